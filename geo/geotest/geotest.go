// Package geotest gives tests their own PostGIS database: each call makes a fresh database from
// clustermap_template (PostGIS installed by .ci/db.sh), migrates it, optionally seeds it, and
// drops it when the test ends. Tests fail, never skip, when no database is configured.
package geotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/migrations"
)

// AdminURL is the connection URL tests start from: DATABASE_URL, as make test sets it.
func AdminURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		tb.Fatal("DATABASE_URL is not set: run the tests with `make test`, which creates the database")
	}
	return u
}

// NewDatabase creates an empty PostGIS database for one test and returns its URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	admin := AdminURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "clustermap_test_" + hex.EncodeToString(b[:])
	// The template has PostGIS; without it (another server) the migration creates the extension.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE clustermap_template"); err != nil {
		if _, err2 := conn.Exec(ctx, "CREATE DATABASE "+name); err2 != nil {
			tb.Fatalf("create database: %v; %v", err, err2)
		}
	}
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
	u, err := url.Parse(admin)
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
	dbURL := NewDatabase(tb)
	store := Open(tb, dbURL)
	if _, err := store.Migrate(context.Background(), migrations.Files); err != nil {
		tb.Fatal(err)
	}
	return store, dbURL
}

// Seeded returns a store on a fresh database holding the Gia Lai seed, and its URL.
func Seeded(tb testing.TB) (*geo.Store, string) {
	tb.Helper()
	store, dbURL := Migrated(tb)
	if _, err := store.Seed(context.Background(), SeedFS(tb)); err != nil {
		tb.Fatal(err)
	}
	return store, dbURL
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
