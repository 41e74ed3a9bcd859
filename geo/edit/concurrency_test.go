package edit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
)

// Lost-update protection: writers that all name the same version race for the row; exactly one
// may win, every other one is told the feature changed (StaleError with the winner's version).
// The version must be compared after the row lock is granted: compared in the snapshot of the
// locking statement, every queued writer saw the version from before the winner committed and
// overwrote it.

// race runs the writes at once and returns how many succeeded, how many lost (stale or busy), and the
// other errors.
func race(writes []func() error) (won, stale int, others []error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, w := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := w()
			mu.Lock()
			defer mu.Unlock()
			var se *edit.StaleError
			var pe *pgconn.PgError
			switch {
			case err == nil:
				won++
			// A loser is told the version is gone, or, on a slow machine, gives up waiting for
			// the row after lock_timeout (answered 503: nothing written). Either way it wrote
			// nothing; only a second winner breaks the guarantee.
			case errors.As(err, &se), errors.As(err, &pe) && pe.Code == "55P03":
				stale++
			default:
				others = append(others, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return won, stale, others
}

func TestOneVersionOneWinner(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	l, _ := store.Catalog().Layer("clusters")
	a := edit.Actor{User: "dept", Role: edit.RoleDepartment}
	const writers = 10
	ids := clusterIDs(t, store, 3)

	t.Run("patch", func(t *testing.T) {
		fid := ids[0]
		v := version(t, ed, l, fid)
		var writes []func() error
		for i := range writers {
			writes = append(writes, func() error {
				_, err := ed.Patch(ctx, a, l, fid, v, fmt.Appendf(nil, `{"properties":{"contact":"writer %d"}}`, i))
				return err
			})
		}
		expectOneWinner(t, writes, writers)
		if got := version(t, ed, l, fid); got != v+1 {
			t.Errorf("version after the race %d, want %d (one write)", got, v+1)
		}
	})

	t.Run("replace", func(t *testing.T) {
		fid := ids[1]
		v := version(t, ed, l, fid)
		body, err := store.Feature(ctx, l, fid, nil)
		if err != nil {
			t.Fatal(err)
		}
		var f map[string]any
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		props := f["properties"].(map[string]any)
		for _, fl := range l.Fields {
			if fl.Derived {
				delete(props, fl.Name)
			}
		}
		var writes []func() error
		for i := range writers {
			props["contact"] = fmt.Sprintf("replacer %d", i)
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			writes = append(writes, func() error {
				_, err := ed.Replace(ctx, a, l, fid, v, b)
				return err
			})
		}
		expectOneWinner(t, writes, writers)
	})

	t.Run("delete", func(t *testing.T) {
		fid := ids[2]
		v := version(t, ed, l, fid)
		var writes []func() error
		for range writers {
			writes = append(writes, func() error { return ed.Delete(ctx, a, l, fid, v) })
		}
		won, stale, others := race(writes)
		// A delete that queued behind the winning one finds the row gone: not found, never a
		// second success.
		notFound := 0
		for _, err := range others {
			if errors.Is(err, geo.ErrNotFound) {
				notFound++
			} else {
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || stale+notFound != writers-1 {
			t.Errorf("%d deletes with one version: %d won, %d stale, %d not found; want exactly one winner", writers, won, stale, notFound)
		}
	})

	t.Run("slow writer", func(t *testing.T) {
		// A PATCH with a 6,000-vertex boundary (slow to check) and a small one naming the same
		// version, several rounds: one of the two wins each round, never both.
		fid := ids[0]
		var lon, lat float64
		if err := store.Pool().QueryRow(ctx, `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM clusters WHERE id = $1`,
			mustID(t, fid)).Scan(&lon, &lat); err != nil {
			t.Fatal(err)
		}
		big := circle(lon, lat, 0.003, 6000)
		for round := range 4 {
			v := version(t, ed, l, fid)
			won, stale, others := race([]func() error{
				func() error {
					_, err := ed.Patch(ctx, a, l, fid, v, fmt.Appendf(nil, `{"geometry":%s,"properties":{"placement":"slow round %d"}}`, big, round))
					return err
				},
				func() error {
					_, err := ed.Patch(ctx, a, l, fid, v, fmt.Appendf(nil, `{"properties":{"contact":"fast round %d"}}`, round))
					return err
				},
			})
			if len(others) > 0 {
				t.Fatalf("round %d: %v", round, others)
			}
			if won != 1 || stale != 1 {
				t.Fatalf("round %d: %d won, %d stale; want one of each", round, won, stale)
			}
			if now := version(t, ed, l, fid); now != v+1 {
				t.Fatalf("round %d: version %d → %d; one write, one version", round, v, now)
			}
		}
	})
}

func expectOneWinner(t *testing.T, writes []func() error, n int) {
	t.Helper()
	won, stale, others := race(writes)
	for _, err := range others {
		t.Errorf("unexpected error: %v", err)
	}
	if won != 1 || stale != n-1 {
		t.Errorf("%d writers with one version: %d won, %d stale; want 1 and %d", n, won, stale, n-1)
	}
}

func version(t *testing.T, ed *edit.Store, l *geo.Layer, fid string) int64 {
	t.Helper()
	v, err := ed.Version(context.Background(), l, fid)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func clusterIDs(t *testing.T, store *geo.Store, n int) []string {
	t.Helper()
	rows, err := store.Pool().Query(context.Background(), `SELECT id FROM clusters ORDER BY id LIMIT $1`, n)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.FormatInt(id, 10))
	}
	if len(out) < n {
		t.Fatalf("%d clusters in the seed, want %d", len(out), n)
	}
	return out
}

func mustID(t *testing.T, fid string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(fid, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// circle is a GeoJSON Polygon of n vertices around (lon, lat), r degrees across.
func circle(lon, lat, r float64, n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.7f,%.7f]", lon+r*math.Cos(a), lat+r*math.Sin(a))
	}
	b.WriteString(`]]}`)
	return b.String()
}

// TestBusyRowGivesUp: a write queued behind a row another transaction holds gives up after the
// lock timeout with SQLSTATE 55P03 (which the server answers 503 + Retry-After), instead of
// holding its pooled connection for as long as the other one likes.
func TestBusyRowGivesUp(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	l, _ := store.Catalog().Layer("clusters")
	fid := clusterIDs(t, store, 1)[0]
	v := version(t, ed, l, fid)
	holder, err := store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx) //nolint:errcheck
	if _, err := holder.Exec(ctx, `SELECT 1 FROM clusters WHERE id = $1 FOR UPDATE`, mustID(t, fid)); err != nil {
		t.Fatal(err)
	}
	_, err = ed.Patch(ctx, edit.Actor{User: "dept", Role: edit.RoleDepartment}, l, fid, v, []byte(`{"properties":{"contact":"queued"}}`))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "55P03" {
		t.Fatalf("write behind a held row: %v, want lock_not_available (55P03)", err)
	}
	if got := version(t, ed, l, fid); got != v {
		t.Errorf("version %d after a write that gave up, want %d", got, v)
	}
}
