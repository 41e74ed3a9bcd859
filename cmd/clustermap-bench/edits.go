package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/timing"
)

// editors is how many people write at once in the edits phase (the figure).
const editors = 20

// runEdits measures what an editor waits for before the map shows a change: each of 20 editors
// PATCHes a cluster of its own in the busiest province (If-Match from its previous write, as a
// client that keeps the ETag it was given), then asks for the z12 tile the cluster lies in until
// the tile carries the new value. The server runs with its caches at their defaults, so every
// write also empties the clusters' cached tiles for all the others. The account is made for the
// run and disabled after it.
//
// Each editor writes once every o.editEvery (1 s: 20 writes a second, more than a province's
// officials make in a busy hour), its first write staggered by its place in the team; with
// -edit-every 0 they write back to back, and the figure is the machine's write throughput (on 2
// cores, editors, server and PostgreSQL share them: the latency is the queue, 20 ÷ writes/s).
func runEdits(ctx context.Context, o options, store *geo.Store, n *national, ratios *ratioLine, goals *timing.Targets) error {
	targets, err := editTargets(ctx, store, n.province)
	if err != nil {
		return err
	}
	token, done, err := benchEditor(ctx, store)
	if err != nil {
		return err
	}
	defer done()
	addr := freeAddr()
	srv, err := start(o.clustermap, []string{"serve"}, "", "DATABASE_URL="+o.dbURL, "CLUSTERMAP_ADDR="+addr,
		"CLUSTERMAP_WARM_UP=off", "CLUSTERMAP_DB_MAX_CONNS="+strconv.Itoa(o.dbConns))
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := srv.ready(addr, "/healthz"); err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * editors}, Timeout: timing.Patience}
	base := "http://" + addr
	var (
		mu             sync.Mutex
		shown, patches []time.Duration
		statuses       = map[int]int{}
		failures       []string
		deadline       = time.Now().Add(o.editDuration)
		wg             sync.WaitGroup
	)
	pace := "back to back"
	if o.editEvery > 0 {
		pace = "once every " + o.editEvery.String()
	}
	fmt.Printf("\nedits: %d editors, each PATCHing its own cluster of %s %s, then asking for its z12 tile until it shows the change (caches on), %v\n",
		editors, n.province, pace, o.editDuration)
	for e, t := range targets {
		wg.Go(func() {
			etag, err := etagOf(client, base+t.item)
			next := time.Now().Add(o.editEvery * time.Duration(e) / editors)
			for w := 0; err == nil && time.Now().Before(deadline); w++ {
				time.Sleep(time.Until(next))
				next = next.Add(o.editEvery)
				value := fmt.Sprintf("bench editor %d write %d", e, w)
				var took, toTile time.Duration
				var status int
				etag, status, took, toTile, err = writeAndSee(client, base, t, token, etag, value)
				mu.Lock()
				statuses[status]++
				if err == nil {
					patches, shown = append(patches, took), append(shown, toTile)
				}
				mu.Unlock()
			}
			if err != nil {
				mu.Lock()
				failures = append(failures, fmt.Sprintf("editor %d: %v", e, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(shown)
	slices.Sort(patches)
	pct := func(d []time.Duration, q float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[max(0, int(math.Ceil(q*float64(len(d))))-1)] // nearest rank
	}
	fmt.Printf("  %d writes, statuses %v\n", len(shown), statuses)
	fmt.Printf("  PATCH answered:                p50 %s  p99 %s\n", ms(pct(patches, 0.5)), ms(pct(patches, 0.99)))
	fmt.Printf("  PATCH → the next tile shows it: p50 %s  p99 %s  max %s\n", ms(pct(shown, 0.5)), ms(pct(shown, 0.99)), ms(pct(shown, 1)))
	ratios.add("edit_patch_to_tile_p50_ms", msf(pct(shown, 0.5)))
	ratios.add("edit_patch_to_tile_p99_ms", msf(pct(shown, 0.99)))
	goals.AtMost("edit_patch_to_tile_p99_ms", msf(pct(shown, 0.99)), 50, "ms")
	if len(failures) > 0 {
		return fmt.Errorf("edits: %v", failures)
	}
	if len(shown) == 0 {
		return errors.New("edits: no write was measured")
	}
	return nil
}

// editTarget is a cluster an editor writes and the tile that shows it.
type editTarget struct {
	item, tile string
}

// editTargets: 20 clusters of the province, each with the z12 tile of a point inside it.
func editTargets(ctx context.Context, store *geo.Store, province string) ([]editTarget, error) {
	rows, err := store.Pool().Query(ctx, `SELECT id, ST_X(p), ST_Y(p)
		  FROM (SELECT id, ST_PointOnSurface(geom) AS p FROM clusters WHERE province_code = $1 ORDER BY id LIMIT $2) c`, province, editors)
	if err != nil {
		return nil, fmt.Errorf("edits: clusters of %s: %w", province, err)
	}
	defer rows.Close()
	var out []editTarget
	for rows.Next() {
		var id int64
		var lon, lat float64
		if err := rows.Scan(&id, &lon, &lat); err != nil {
			return nil, err
		}
		tc := geo.TileAt(12, lon, lat)
		out = append(out, editTarget{
			item: fmt.Sprintf("/ogc/collections/clusters/items/%d", id),
			tile: fmt.Sprintf("/tiles/clusters/%d/%d/%d.mvt?properties=contact", tc.Z, tc.X, tc.Y),
		})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) < editors {
		return nil, fmt.Errorf("edits: %s has %d clusters, want %d", province, len(out), editors)
	}
	return out, nil
}

// benchEditor makes a department account for this run and a token; done disables it.
func benchEditor(ctx context.Context, store *geo.Store) (token string, done func(), err error) {
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	name := "bench-editor-" + hex.EncodeToString(secret[:4])
	if err := ed.AddScopedUser(ctx, name, edit.RoleDepartment, edit.Scope{}, hex.EncodeToString(secret)); err != nil {
		return "", nil, fmt.Errorf("edits: account: %w", err)
	}
	done = func() { _ = ed.DisableUser(context.Background(), name) }
	if token, err = ed.NewToken(ctx, name); err != nil {
		done()
		return "", nil, fmt.Errorf("edits: token: %w", err)
	}
	return token, done, nil
}

func etagOf(client *http.Client, url string) (string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return resp.Header.Get("ETag"), nil
}

// writeAndSee PATCHes the cluster's contact to value and asks for its tile until the tile holds
// it: the new ETag, the PATCH's status, how long the PATCH took and how long until the tile
// showed it (from the PATCH sent).
func writeAndSee(client *http.Client, base string, t editTarget, token, etag, value string) (string, int, time.Duration, time.Duration, error) {
	req, _ := http.NewRequest(http.MethodPatch, base+t.item, bytes.NewReader(fmt.Appendf(nil, `{"properties":{"contact":%q}}`, value)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-Match", etag)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return etag, 0, 0, 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return etag, resp.StatusCode, took, 0, fmt.Errorf("PATCH %s: %d %s", t.item, resp.StatusCode, body)
	}
	etag = resp.Header.Get("ETag")
	for time.Since(start) < timing.Patience {
		r, err := client.Get(base + t.tile)
		if err != nil {
			return etag, http.StatusOK, took, 0, err
		}
		tile, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode == http.StatusOK && bytes.Contains(tile, []byte(value)) {
			return etag, http.StatusOK, took, time.Since(start), nil
		}
	}
	return etag, http.StatusOK, took, 0, fmt.Errorf("the tile %s never showed %q", t.tile, value)
}
