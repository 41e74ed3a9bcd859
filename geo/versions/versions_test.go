package versions

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/timing"
)

// TestWatchLayerVersions: the watcher reads all versions once listening, reports each change,
// and after losing its connection reconnects and catches up on what it missed.
func TestWatchLayerVersions(t *testing.T) {
	store, dbURL := geotest.Seeded(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	versions := map[string]int64{}
	synced, lost := 0, 0
	changed := make(chan string, 100)
	w := &watcher{store: store, log: slog.New(slog.DiscardHandler),
		synced: func(v map[string]int64) {
			mu.Lock()
			defer mu.Unlock()
			synced++
			for k, x := range v {
				versions[k] = x
			}
		},
		changed: func(layer string, v int64) {
			mu.Lock()
			versions[layer] = max(versions[layer], v)
			mu.Unlock()
			changed <- layer
		},
		lost: func(error) {
			mu.Lock()
			lost++
			mu.Unlock()
		},
	}
	go w.run(ctx)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timing.Patience)
		for time.Now().Before(deadline) {
			mu.Lock()
			ok := cond()
			mu.Unlock()
			if ok {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	waitFor("the first sync", func() bool { return synced == 1 })

	other := geotest.Open(t, dbURL) // another process's pool
	if _, err := other.Pool().Exec(ctx, "UPDATE plants SET notes = 'watch test' WHERE id = (SELECT min(id) FROM plants)"); err != nil {
		t.Fatal(err)
	}
	want, _ := Read(ctx, other)
	select {
	case l := <-changed:
		if l != "plants" {
			t.Errorf("notified %q, want plants", l)
		}
	case <-time.After(timing.Patience):
		t.Fatal("no notification")
	}
	waitFor("the new plants version", func() bool { return versions["plants"] == want["plants"] })

	// Kill the listener's backend in the transaction that changes a layer: the change's
	// notification goes out at commit, to nobody, so only the re-read after reconnecting can
	// learn of it.
	tx, err := other.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "UPDATE energy SET notes = 'while away' WHERE id = (SELECT min(id) FROM energy)"); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'clustermap-listen' AND datname = current_database()"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want, _ = Read(ctx, other)
	waitFor("the loss to be noticed", func() bool { return lost >= 1 })
	waitFor("the resync after reconnecting", func() bool { return synced >= 2 && versions["energy"] == want["energy"] })
	for len(changed) > 0 {
		if l := <-changed; l == "energy" {
			t.Error("the energy change was notified to a terminated listener?")
		}
	}
}

// TestCurrentVersions: the versions are unknown until synced, never go down on a notification,
// follow a full read down (a restored dump), and are unknown again once the listener is lost.
func TestCurrentVersions(t *testing.T) {
	// The pool connects lazily: this test needs the catalog, not a database.
	store, err := geo.Open(context.Background(), geo.DBConfig{URL: "postgres://localhost/unused"}, geo.DefaultCatalog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := New(store, nil)
	if _, ok := c.Of("districts"); ok || c.Live() {
		t.Fatal("versions known before the first read")
	}
	c.sync(map[string]int64{"districts": 5, Analysis: 2})
	if v, ok := c.Of("districts"); !ok || v != 5 {
		t.Fatalf("after a read: %d, %v", v, ok)
	}
	if v, ok := c.Of(Analysis); !ok || v != 2 {
		t.Fatalf("the analysis tables: %d, %v", v, ok)
	}
	if v, ok := c.Of("regions"); !ok || v != 0 {
		t.Fatalf("a layer without a row: %d, %v", v, ok)
	}
	c.raise("districts", 4)
	c.raise("districts", 7)
	c.raise("no such layer", 9)
	if v, _ := c.Of("districts"); v != 7 {
		t.Fatalf("after notifications 4 and 7: %d", v)
	}
	if _, ok := c.Of("no such layer"); ok {
		t.Fatal("an unknown id has a version")
	}
	c.sync(map[string]int64{"districts": 3})
	if v, _ := c.Of("districts"); v != 3 {
		t.Fatalf("a full read is the truth: %d", v)
	}
	c.live.Store(false)
	if _, ok := c.Of("districts"); ok {
		t.Fatal("a version is trusted while the listener is down")
	}
}

// A layer's version is bumped once per transaction, at its end (migrations/00020): many rows, one
// bump; a write after the deferred triggers were fired early (SET CONSTRAINTS ALL IMMEDIATE, as
// geo/edit does before it reads the versions it made) bumps it again at commit; a transaction
// rolled back bumps nothing.
func TestLayerVersionBumpedOncePerTransaction(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	pool := store.Pool()
	version := func() int64 {
		var v int64
		if err := pool.QueryRow(ctx, `SELECT version FROM layer_versions WHERE layer = 'plants'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	if _, err := pool.Exec(ctx, `UPDATE plants SET notes = coalesce(notes, '') || ' ' WHERE id IN (SELECT id FROM plants ORDER BY id LIMIT 3)`); err != nil {
		t.Fatal(err)
	}
	if v1 := version(); v1 != v0+1 {
		t.Fatalf("three rows in one statement: version %d → %d, want one bump", v0, v1)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	var inside int64
	for _, q := range []string{
		`UPDATE plants SET notes = coalesce(notes, '') || '.' WHERE id = (SELECT min(id) FROM plants)`,
		`SET CONSTRAINTS ALL IMMEDIATE`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.QueryRow(ctx, `SELECT version FROM layer_versions WHERE layer = 'plants'`).Scan(&inside); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE plants SET notes = coalesce(notes, '') || '.' WHERE id = (SELECT max(id) FROM plants)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if after := version(); inside != v0+2 || after != v0+3 {
		t.Errorf("fired early the version read %d (want %d); after a later write and the commit %d (want %d)", inside, v0+2, after, v0+3)
	}

	tx, err = pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE plants SET notes = coalesce(notes, '') || '.' WHERE id = (SELECT min(id) FROM plants)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v0+3 {
		t.Errorf("a rolled-back write moved the version to %d", v)
	}
}
