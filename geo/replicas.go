package geo

import (
	"context"

	"github.com/clustermap/clustermap/geo/replica"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ReplicaStatus reports each configured replica's state (none without replicas).
func (s *Store) ReplicaStatus() []replica.Status {
	if s.reads == nil {
		return nil
	}
	return s.reads.Status()
}

// HasReplicas reports whether reads may go to replicas (CLUSTERMAP_READ_DATABASE_URL is set).
func (s *Store) HasReplicas() bool { return s.reads != nil }

// ReadSet is the read set of replicas, nil without them: the version watcher (geo/versions) hands
// it what it hears, to be published once a replica has replayed it.
func (s *Store) ReadSet() *replica.Set { return s.reads }

// Read-your-writes. A request that must see its own writes (a signed-in planner, a script with a
// token) reads from the primary, and caches must not answer it from the published versions,
// which may trail the primary by the replication lag.
type primaryKey struct{}

// WithPrimary marks ctx as one that must read its own writes: every read runs on the primary.
func WithPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// ReadsOwnWrites reports whether ctx was marked by WithPrimary. Caches keyed by the published
// versions must not answer such a request from the cache (they may file what it reads).
func ReadsOwnWrites(ctx context.Context) bool {
	v, _ := ctx.Value(primaryKey{}).(bool)
	return v
}

// pinKey holds the replica a request chose first, so that every read of one request (a version,
// then the data it versions) goes to the same server and never sees data older than it saw before.
type pinKey struct{}

type pin struct{ r *replica.Replica }

// PinReads returns ctx with its reads tied to one server for its lifetime: the server wires it
// per request. Without replicas it returns ctx.
func (s *Store) PinReads(ctx context.Context) context.Context {
	if s.reads == nil || ReadsOwnWrites(ctx) {
		return ctx
	}
	return context.WithValue(ctx, pinKey{}, &pin{r: s.reads.Pick()})
}

// reader is the pool a read-only query of ctx runs on, and its replica (nil for the primary).
func (s *Store) reader(ctx context.Context) (*pgxpool.Pool, *replica.Replica) {
	rs := s.reads
	if rs == nil || ReadsOwnWrites(ctx) {
		return s.pool, nil
	}
	if p, ok := ctx.Value(pinKey{}).(*pin); ok {
		// A pinned replica that has left the read set (or not replayed a version published since)
		// hands over to the primary, not to another replica that may be further behind.
		if p.r != nil && rs.Usable(p.r) {
			return p.r.Pool(), p.r
		}
		return s.pool, nil
	}
	if r := rs.Pick(); r != nil {
		return r.Pool(), r
	}
	return s.pool, nil
}

// Read runs fn, a read-only query, on a replica that holds the published versions, else on the
// primary. When the replica fails for want of a connection (it stopped, restarted or was cut off)
// it leaves the read set and fn runs again on the primary, so a replica's fault is no error to the
// client; a conflict with recovery (a standby cancelling a query) is retried on the primary too.
// fn must be safe to run twice (read-only, no output before it returns).
func (s *Store) Read(ctx context.Context, fn func(*pgxpool.Pool) error) error {
	pool, r := s.reader(ctx)
	err := fn(pool)
	if err == nil || r == nil || ctx.Err() != nil {
		return err
	}
	conn, retry := replica.Fault(err)
	if !retry {
		return err
	}
	if conn {
		s.reads.Down(r, err)
	}
	return fn(s.pool)
}
