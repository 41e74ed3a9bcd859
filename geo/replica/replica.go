// Package replica keeps ClusterMap's read set of streaming replicas: it polls their replay
// positions, takes a lagging or unreachable replica out and puts it back, and publishes a data
// version to the caches only once a healthy replica has replayed it.
package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Read replicas. Read-only queries (features, search, tiles, layer figures, planning answers) may
// run on streaming replicas; writes, sessions and the workspace stay on the primary (Pool).
//
// The hazard is the version caches key on: an instance learns of a change from the primary's
// NOTIFY (a hot standby delivers none), and a replica that has not replayed the change yet would
// answer the old data, which a cache would then file under the new version and serve until the
// next change. So with replicas the watcher does not publish a change when it hears of it: it
// notes the primary's flushed WAL position (an upper bound of the commit's LSN, since NOTIFY is
// delivered after the commit) and publishes the change only when a healthy replica has replayed
// past it (pg_last_wal_replay_lsn), or at once when no healthy replica is left (then the primary
// answers). Before publishing, the "fence" moves to that position: from then on a replica may
// answer only when it has replayed the fence, so whoever sees the new version reads data at least
// that new. Until publication the old version stays current and replicas answer the old data (or
// newer: a replica that replays between two polls answers new data under the old version for at
// most one poll interval; never the other way round).

// DefaultMaxLag is how far behind the primary a replica may fall before reads leave it.
const DefaultMaxLag = 5 * time.Second

// How often each instance reads its replicas' replay positions and the primary's WAL position:
// the delay between a replica's replay and the new version being served, at most.
const (
	replicaPoll        = 100 * time.Millisecond
	replicaPollTimeout = time.Second
)

// Replica is one read server and what the monitor last learned of it.
type Replica struct {
	name string // host:port/database, for logs and metrics (no password)
	pool *pgxpool.Pool
	// replay is the WAL position the replica had replayed at the last poll; it only grows while
	// the replica runs, and a fresh poll after a fault sets it again.
	replay atomic.Uint64
	// healthy: answered the last poll and lags at most maxLag. Reads leave it otherwise.
	healthy atomic.Bool
	lagNS   atomic.Int64
}

// Set routes reads among the replicas and gates the published versions (see above).
type Set struct {
	primary  *pgxpool.Pool
	replicas []*Replica
	maxLag   time.Duration
	log      Logger
	next     atomic.Uint32
	// fence is the WAL position of the newest published version: a replica answers only once it
	// has replayed it.
	fence atomic.Uint64

	mu sync.Mutex
	// samples of the primary's flushed WAL position over the last maxLag and more, oldest first:
	// a replica's lag is the age of the oldest sample it has not replayed.
	samples []lsnSample
	// pending are changes heard from the primary, not yet published, in the order heard.
	pending []Pending
	watch   *Publisher
	stop    context.CancelFunc
	done    chan struct{}
}

// Logger is what the set logs through (a *slog.Logger).
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
}

type lsnSample struct {
	at  time.Time
	lsn uint64
}

// Pending is a full read of layer_versions (all != nil) or one notified change, with the
// primary's flushed WAL position read after it.
type Pending struct {
	LSN     uint64
	All     map[string]int64
	Layer   string
	Version int64
}

// Status is one replica's state, for metrics, logs and tests.
type Status struct {
	Name    string
	Healthy bool
	Lag     time.Duration
	Replay  uint64
}

// ParseURLs splits CLUSTERMAP_READ_DATABASE_URL: one URL or a comma-separated list (commas
// never occur unescaped inside a PostgreSQL URL's host, user or database).
func ParseURLs(s string) []string {
	var out []string
	for _, u := range strings.Split(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// replicaName is a URL without its password, for logs.
func replicaName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "replica"
	}
	return u.Host + u.Path
}

func (rs *Set) start() {
	ctx, cancel := context.WithCancel(context.Background())
	rs.stop, rs.done = cancel, make(chan struct{})
	go rs.monitor(ctx)
}

// Close stops the monitor and closes the replicas' pools.
func (rs *Set) Close() {
	rs.stop()
	<-rs.done
	for _, r := range rs.replicas {
		r.pool.Close()
	}
}

// monitor polls the primary's and the replicas' WAL positions, keeps the read set and publishes
// what the replicas have replayed, until ctx is done.
func (rs *Set) monitor(ctx context.Context) {
	defer close(rs.done)
	t := time.NewTicker(replicaPoll)
	defer t.Stop()
	for {
		rs.poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

const (
	PrimaryLSNSQL = `SELECT (pg_current_wal_flush_lsn() - '0/0')::bigint`
	// A "replica" that is no standby (a primary named as its own replica, as a test may) has
	// replayed everything it flushed.
	replayLSNSQL = `SELECT CASE WHEN pg_is_in_recovery() THEN coalesce((pg_last_wal_replay_lsn() - '0/0')::bigint, 0)
	                            ELSE (pg_current_wal_flush_lsn() - '0/0')::bigint END`
)

func (rs *Set) poll(ctx context.Context) {
	now := time.Now()
	if lsn, err := queryLSN(ctx, rs.primary, PrimaryLSNSQL); err == nil {
		rs.mu.Lock()
		rs.samples = append(rs.samples, lsnSample{now, lsn})
		// Keep what measures a lag up to maxLag, and one sample older.
		i := 0
		for i+1 < len(rs.samples) && now.Sub(rs.samples[i+1].at) > rs.maxLag+time.Second {
			i++
		}
		rs.samples = rs.samples[i:]
		rs.mu.Unlock()
	}
	for _, r := range rs.replicas {
		lsn, err := queryLSN(ctx, r.pool, replayLSNSQL)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			rs.setHealth(r, false, 0, err)
			continue
		}
		if lsn > r.replay.Load() || !r.healthy.Load() {
			r.replay.Store(lsn)
		}
		lag := rs.lag(lsn, now)
		rs.setHealth(r, lag <= rs.maxLag, lag, nil)
	}
	rs.publish()
}

func queryLSN(ctx context.Context, pool *pgxpool.Pool, sql string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, replicaPollTimeout)
	defer cancel()
	var lsn int64
	err := pool.QueryRow(ctx, sql).Scan(&lsn)
	return uint64(lsn), err
}

// lag is how long ago the primary had flushed WAL that the replica has not replayed (0: none).
func (rs *Set) lag(replay uint64, now time.Time) time.Duration {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, s := range rs.samples {
		if s.lsn > replay {
			return now.Sub(s.at)
		}
	}
	return 0
}

func (rs *Set) setHealth(r *Replica, healthy bool, lag time.Duration, err error) {
	r.lagNS.Store(int64(lag))
	if r.healthy.Swap(healthy) == healthy {
		return
	}
	switch {
	case healthy:
		rs.log.Info("read replica back in the read set", "replica", r.name, "lag", lag.String())
	case err != nil:
		rs.log.Warn("read replica out of the read set: reads go to the primary", "replica", r.name, "err", err)
	default:
		rs.log.Warn("read replica out of the read set: it lags", "replica", r.name, "lag", lag.String(), "max", rs.maxLag.String())
	}
}

// Down takes a replica out of the read set after a query on it failed for want of a connection;
// the next poll that reaches it puts it back.
func (rs *Set) Down(r *Replica, err error) {
	rs.setHealth(r, false, time.Duration(r.lagNS.Load()), err)
}

// Usable reports whether r may answer a read now: healthy, and replayed the published versions.
func (rs *Set) Usable(r *Replica) bool {
	return r.healthy.Load() && r.replay.Load() >= rs.fence.Load()
}

// Pick chooses a usable replica, round robin, or nil for the primary.
func (rs *Set) Pick() *Replica {
	n := len(rs.replicas)
	start := int(rs.next.Add(1))
	for i := range n {
		if r := rs.replicas[(start+i)%n]; rs.Usable(r) {
			return r
		}
	}
	return nil
}

// Enqueue records a change heard from the primary at WAL position lsn and publishes what can be.
func (rs *Set) Enqueue(p Pending) {
	rs.mu.Lock()
	rs.pending = append(rs.pending, p)
	rs.mu.Unlock()
	rs.publish()
}

// publish hands the watcher every pending change that a healthy replica has replayed, in the order
// heard; when no replica is healthy, all of them (the primary answers until one catches up). The
// fence moves before the versions do, so a reader that sees a version reads data at least as new.
func (rs *Set) publish() {
	var best uint64
	anyHealthy := false
	for _, r := range rs.replicas {
		if r.healthy.Load() {
			anyHealthy = true
			best = max(best, r.replay.Load())
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	w := rs.watch
	i := 0
	for ; i < len(rs.pending); i++ {
		p := rs.pending[i]
		if anyHealthy && p.LSN > best {
			break
		}
		if p.LSN > rs.fence.Load() {
			rs.fence.Store(p.LSN)
		}
		if w == nil {
			continue
		}
		if p.All != nil {
			w.Synced(p.All)
		} else {
			w.Changed(p.Layer, p.Version)
		}
	}
	rs.pending = rs.pending[i:]
}

// SetWatch attaches (or, with nil, detaches) the publisher that published versions go to;
// pending changes of a previous connection are dropped with it (its Lost was called).
func (rs *Set) SetWatch(w *Publisher) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.watch, rs.pending = w, nil
}

// Fault classifies a failed read on a replica: conn when the server could not be reached
// or dropped the connection, retry when the same read may succeed on the primary.
func Fault(err error) (conn, retry bool) {
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"), pg.Code == "57P01", pg.Code == "57P02", pg.Code == "57P03", pg.Code == "53300":
			return true, true // connection failure, shutdown, starting up, too many connections
		case pg.Code == "40001":
			return false, true // canceled on conflict with recovery
		}
		return false, false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed") {
		return true, true
	}
	return false, false
}

// Open connects a pool per read URL with the primary's settings (timeouts, JIT off, pool
// size) and starts the monitor. Pools connect lazily: a replica that is down at start is only out
// of the read set until it answers.
func Open(ctx context.Context, urls []string, maxLag time.Duration, primary *pgxpool.Pool, base *pgxpool.Config, log Logger) (*Set, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	rs := &Set{primary: primary, maxLag: maxLag, log: log}
	if rs.maxLag <= 0 {
		rs.maxLag = DefaultMaxLag
	}
	// On an error, the pools already opened are closed.
	closeOpened := func() {
		for _, r := range rs.replicas {
			r.pool.Close()
		}
	}
	for _, u := range urls {
		pcfg, err := pgxpool.ParseConfig(u)
		if err != nil {
			closeOpened()
			return nil, fmt.Errorf("parse read database url %s: %w", replicaName(u), err)
		}
		for k, v := range base.ConnConfig.RuntimeParams {
			pcfg.ConnConfig.RuntimeParams[k] = v
		}
		pcfg.ConnConfig.RuntimeParams["application_name"] = "clustermap-read"
		pcfg.MaxConns = base.MaxConns
		pool, err := pgxpool.NewWithConfig(ctx, pcfg)
		if err != nil {
			closeOpened()
			return nil, fmt.Errorf("read database %s: %w", replicaName(u), err)
		}
		rs.replicas = append(rs.replicas, &Replica{name: replicaName(u), pool: pool})
	}
	// Until the first poll has measured them, no replica is healthy: reads start on the primary.
	rs.start()
	return rs, nil
}

// Status reports each replica's state.
func (rs *Set) Status() []Status {
	out := make([]Status, len(rs.replicas))
	for i, r := range rs.replicas {
		out[i] = Status{Name: r.name, Healthy: r.healthy.Load(), Lag: time.Duration(r.lagNS.Load()), Replay: r.replay.Load()}
	}
	return out
}

// Pool is the replica's connection pool.
func (r *Replica) Pool() *pgxpool.Pool { return r.pool }

// Publisher receives the versions a replica has replayed (the version watcher's, geo/versions).
type Publisher struct {
	Synced  func(all map[string]int64)
	Changed func(layer string, version int64)
}
