// Package geotest gives tests their own PostGIS database. The migrated and the seeded states are
// built once per set of migrations and seed files, into template databases named by a hash of
// those files, and each test gets a copy (CREATE DATABASE … TEMPLATE, a file copy) that is dropped
// when it ends. When no database is configured (DATABASE_URL unset) a test fails, as make test
// wants; under go test -short it skips with the reason instead, so that the pure packages can be
// tested anywhere.
package geotest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/migrations"
)

// AdminURL is the connection URL tests start from: DATABASE_URL, as make test sets it. Without it
// the test fails, or under go test -short skips: every database-backed test passes through here.
func AdminURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		if testing.Short() {
			tb.Skip("needs PostGIS and DATABASE_URL is not set (skipped under -short; make test creates the database)")
		}
		tb.Fatal("DATABASE_URL is not set: run the tests with `make test`, which creates the database")
	}
	return u
}

// ServeURL is the URL of the database at dbURL for the serving role, which owns nothing (see
// migrations/serving_role.sql): CLUSTERMAP_SERVE_DATABASE_URL, as make test sets it, pointed at
// the same database. Without it, the owner's URL: the tests then serve as the owner, and
// TestServingRoleOwnsNothing fails to say so.
func ServeURL(tb testing.TB, dbURL string) string {
	tb.Helper()
	serve := os.Getenv("CLUSTERMAP_SERVE_DATABASE_URL")
	if serve == "" {
		return dbURL
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("parse database URL: %v", err)
	}
	return withDatabase(tb, serve, strings.TrimPrefix(u.Path, "/"))
}

// NewDatabase creates an empty PostGIS database for one test and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return copyOf(tb, "clustermap_template")
}

// copyOfTemplate copies the migrated (or seeded) template for one test. A template is never
// dropped while a test process uses it (see templateDatabase); one that an older run dropped since
// this process built it is built again.
func copyOfTemplate(tb testing.TB, seeded bool) string {
	tb.Helper()
	for attempt := 1; ; attempt++ {
		name := templateDatabase(tb, seeded)
		dbURL, err := tryCopy(tb, name)
		if err == nil {
			return dbURL
		}
		if attempt == 3 {
			tb.Fatalf("copy template %s: %v", name, err)
		}
		templateMu.Lock()
		delete(templateNames, seeded)
		templateMu.Unlock()
	}
}

// tryCopy is copyOf that reports a failed CREATE DATABASE instead of failing the test.
func tryCopy(tb testing.TB, template string) (string, error) {
	tb.Helper()
	admin := AdminURL(tb)
	name, err := createCopy(admin, template)
	if err != nil {
		return "", err
	}
	dropWhenDone(tb, admin, name)
	return withDatabase(tb, admin, name), nil
}

// copyOf creates a database for one test from template and returns its URL.
func copyOf(tb testing.TB, template string) string {
	tb.Helper()
	dbURL, err := tryCopy(tb, template)
	if err != nil {
		tb.Fatal(err)
	}
	return dbURL
}

// createCopy creates a database named at random from template.
func createCopy(admin, template string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect %s: %w", redact(admin), err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "clustermap_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		return "", fmt.Errorf("create database from %s: %w", template, err)
	}
	return name, nil
}

// dropWhenDone drops the test's database when the test ends.
func dropWhenDone(tb testing.TB, admin, name string) {
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Logf("drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("drop %s: %v", name, err)
		}
	})
}

func withDatabase(tb testing.TB, dbURL, name string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("parse DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open connects a store to url and closes it when the test ends.
func Open(tb testing.TB, dbURL string) *geo.Store {
	tb.Helper()
	store, err := geo.Open(context.Background(), geo.DBConfig{URL: dbURL, StatementTimeout: 30 * time.Second}, geo.DefaultCatalog(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(store.Close)
	return store
}

// Migrated returns a store on a fresh, migrated, empty database, and its URL.
func Migrated(tb testing.TB) (*geo.Store, string) {
	tb.Helper()
	dbURL := copyOfTemplate(tb, false)
	return Open(tb, dbURL), dbURL
}

// Seeded returns a store on a fresh database holding the sourced seed, and its URL.
func Seeded(tb testing.TB) (*geo.Store, string) {
	tb.Helper()
	dbURL := copyOfTemplate(tb, true)
	return Open(tb, dbURL), dbURL
}

var (
	templateMu    sync.Mutex
	templateNames = map[bool]string{}
	// templateUsers hold a shared advisory lock on each template this process copies, for as
	// long as it runs: a concurrent run with other migrations or seed files (another worktree,
	// another engineer) drops stale templates, but never one that a running process uses.
	templateUsers = map[string]*pgx.Conn{}
)

// templateLock is the advisory lock key of a template's users.
const templateLock = "SELECT %s(hashtext('clustermap test template ' || $1))"

// templateDatabase returns the name of the migrated (or seeded) template database, building it
// when no process has yet. The name carries a hash of the embedded migrations and seed, so a
// changed migration or seed file gets a new template; an advisory lock keeps parallel test
// binaries from building the same one twice.
func templateDatabase(tb testing.TB, seeded bool) string {
	tb.Helper()
	templateMu.Lock()
	defer templateMu.Unlock()
	if name, ok := templateNames[seeded]; ok {
		return name
	}
	sum := filesHash(tb)
	name := "clustermap_tpl_" + sum + "_migrated"
	if seeded {
		name = "clustermap_tpl_" + sum + "_seeded"
	}
	admin := AdminURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('clustermap test templates'))"); err != nil {
		tb.Fatalf("lock templates: %v", err)
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext('clustermap test templates'))") //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		tb.Fatalf("look up %s: %v", name, err)
	}
	if !exists {
		build := name + "_build"
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)"); err != nil {
			tb.Fatalf("drop %s: %v", build, err)
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+build+" TEMPLATE clustermap_template"); err != nil {
			tb.Fatalf("create %s: %v", build, err)
		}
		if err := fill(ctx, withDatabase(tb, admin, build), seeded); err != nil {
			tb.Fatalf("build %s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
			tb.Fatalf("rename %s: %v", build, err)
		}
		dropStaleTemplates(ctx, conn, sum)
	}
	// Still under the global lock, under which stale templates are dropped: from here on this
	// template is in use until the process ends.
	if templateUsers[name] == nil {
		user, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			tb.Fatalf("connect %s: %v", redact(admin), err)
		}
		if _, err := user.Exec(ctx, fmt.Sprintf(templateLock, "pg_advisory_lock_shared"), name); err != nil {
			tb.Fatalf("mark %s in use: %v", name, err)
		}
		templateUsers[name] = user
	}
	templateNames[seeded] = name
	return name
}

// fill migrates (and seeds) the database at dbURL, then closes every connection to it, since a
// template must have none when it is copied.
func fill(ctx context.Context, dbURL string, seeded bool) error {
	store, err := geo.Open(ctx, geo.DBConfig{URL: dbURL, StatementTimeout: time.Minute}, geo.DefaultCatalog(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx, migrations.Files); err != nil {
		return err
	}
	if err := store.GrantServing(ctx, migrations.Files, geo.DefaultServeRole); err != nil {
		return err
	}
	if !seeded {
		return nil
	}
	seed, err := fs.Sub(migrations.Files, "seed")
	if err != nil {
		return err
	}
	_, err = ingest.New(store, slog.New(slog.DiscardHandler)).Seed(ctx, seed)
	return err
}

// dropStaleTemplates removes templates of other migrations and seeds, so that editing a seed file
// does not leave a database behind per edit. One that a running process uses (its shared advisory
// lock, templateUsers) or copies right now is left for later.
func dropStaleTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
	   WHERE datname LIKE 'clustermap\_tpl\_%' AND datname NOT LIKE 'clustermap\_tpl\_' || $1 || '\_%'`, keep)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		var free bool
		if err := conn.QueryRow(ctx, fmt.Sprintf(templateLock, "pg_try_advisory_lock"), n).Scan(&free); err != nil || !free {
			continue // a running process copies it
		}
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize())
		_, _ = conn.Exec(ctx, fmt.Sprintf(templateLock, "pg_advisory_unlock"), n)
	}
}

// filesHash is a short hash of every embedded migration and seed file.
func filesHash(tb testing.TB) string {
	tb.Helper()
	h := sha256.New()
	err := fs.WalkDir(migrations.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.Files, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		tb.Fatalf("hash migrations: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// SeedFS is the embedded seed data.
func SeedFS(tb testing.TB) fs.FS {
	seed, err := fs.Sub(migrations.Files, "seed")
	if err != nil {
		tb.Fatal(err)
	}
	return seed
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable url)"
	}
	return fmt.Sprint(p.Redacted())
}

// EmptyInSeed reports whether the sourced seed leaves the layer empty: no source at hand gives the
// province's lots, so tests that walk every layer over the seed skip them, and the lots are
// tested on the synthetic dataset (server/lots_test.go).
func EmptyInSeed(layer string) bool { return layer == "lots" }
