// Package versions knows the layers' data versions, which every cache of the server keys on: it
// reads them from layer_versions, follows each write's notification across processes, and holds
// the current ones for the caches. With replicas, a version becomes current only once a replica
// has replayed it (geo/replica), so no cache files old data under a new version.
package versions

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// Channel is the PostgreSQL NOTIFY channel on which every write to a layer announces the layer's
// new data version, as "layer:version" (migrations/00001_schema.sql).
const Channel = "clustermap_layer_version"

// Analysis is the version of the analysis tables that belong to no layer (crop_industries,
// reference_points): migration 00006 gives it a row in layer_versions, bumped and notified like a
// layer's.
const Analysis = "analysis"

// Units is the version of the register of administrative units and the provinces' contacts
// (admin_units, province_contacts): migration 00023 gives it a row in layer_versions, bumped and
// notified like a layer's.
const Units = "units"

// Lookup is how a cache asks for a layer's current data version: false while the versions cannot
// be trusted (the listener is down), when nothing may be served from a cache or revalidated.
// (*Current).Of is one.
type Lookup func(id string) (int64, bool)

// AppendJoined appends the current versions of ids to b, joined by dots ("18.16"): what a cache
// keys an answer made of several layers on. False while any cannot be trusted.
func AppendJoined(b []byte, lookup Lookup, ids []string) ([]byte, bool) {
	for i, id := range ids {
		v, ok := lookup(id)
		if !ok {
			return b, false
		}
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return b, true
}

// Read reads every layer's data version on the primary.
func Read(ctx context.Context, store *geo.Store) (map[string]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, store.Timeout())
	defer cancel()
	return read(ctx, store.Pool())
}

// Querier is where versions are read: a pool, a connection or a transaction (which sees its own
// writes' versions before it commits).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ReadIn reads every layer's data version through q.
func ReadIn(ctx context.Context, q Querier) (map[string]int64, error) { return read(ctx, q) }

func read(ctx context.Context, q Querier) (map[string]int64, error) {
	rows, err := q.Query(ctx, "SELECT layer, version FROM layer_versions")
	if err != nil {
		return nil, fmt.Errorf("layer versions: %w", err)
	}
	out := map[string]int64{}
	for rows.Next() {
		var layer string
		var v int64
		if err := rows.Scan(&layer, &v); err != nil {
			return nil, fmt.Errorf("layer versions: %w", err)
		}
		out[layer] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("layer versions: %w", err)
	}
	return out, nil
}

// Current holds each layer's data version as last published. While the listener is down nothing
// is known (Of reports false): the caches are bypassed rather than trusted.
type Current struct {
	store *geo.Store
	log   *slog.Logger
	live  atomic.Bool
	// byID has one entry per catalog layer, Analysis and Units, fixed at start, so that the hot path of
	// every cached answer reads an atomic and takes no lock.
	byID map[string]*atomic.Int64
}

// New makes the current versions of store's catalog; they are unknown until Follow has read them.
func New(store *geo.Store, log *slog.Logger) *Current {
	if log == nil {
		log = slog.Default()
	}
	c := &Current{store: store, log: log, byID: map[string]*atomic.Int64{Analysis: new(atomic.Int64), Units: new(atomic.Int64)}}
	for _, l := range store.Catalog().Layers() {
		c.byID[l.ID] = new(atomic.Int64)
	}
	return c
}

// Follow keeps the versions in step with the database until ctx is done; until the first full
// read, and whenever the listener is lost, they are not live.
func (c *Current) Follow(ctx context.Context) {
	w := &watcher{store: c.store, log: c.log, synced: c.sync, changed: c.raise, lost: func(error) { c.live.Store(false) }}
	w.run(ctx)
}

// Live reports whether the versions are being followed, so that caches may use them.
func (c *Current) Live() bool { return c.live.Load() }

// Of is the layer's current version, false while it cannot be trusted (and for an id that no
// row of layer_versions carries).
func (c *Current) Of(id string) (int64, bool) {
	a, ok := c.byID[id]
	if !ok || !c.live.Load() {
		return 0, false
	}
	return a.Load(), true
}

// sync takes a full read of layer_versions as the truth (a database restored from a dump may
// even go backwards) and makes the versions live.
func (c *Current) sync(all map[string]int64) {
	for id, a := range c.byID {
		a.Store(all[id])
	}
	c.live.Store(true)
}

// Committed raises the versions to those a write of this process committed, before it answers:
// the process's own caches then never serve the state before its own write, without waiting for
// the notification (which other processes keep following). Only for a process whose cached reads
// come from the primary: with replicas a version must wait until it is replayed there.
func (c *Current) Committed(all map[string]int64) {
	for id, v := range all {
		c.raise(id, v)
	}
}

// raise applies a notification; notifications of one layer may arrive out of order only with
// older ones, so the version never goes down.
func (c *Current) raise(id string, ver int64) {
	a, ok := c.byID[id]
	if !ok {
		return
	}
	for {
		old := a.Load()
		if ver <= old || a.CompareAndSwap(old, ver) {
			return
		}
	}
}
