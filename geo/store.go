package geo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"time"

	"github.com/clustermap/clustermap/geo/replica"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// DBConfig says how to reach PostGIS and how long any statement may run.
type DBConfig struct {
	URL string
	// StatementTimeout bounds every statement on the server side as well, so a query outlives
	// neither its request nor this limit.
	StatementTimeout time.Duration
	MaxConns         int32
	// ReadURLs are streaming replicas for read-only queries (CLUSTERMAP_READ_DATABASE_URL); empty:
	// everything runs on URL. Each gets a pool of MaxConns.
	ReadURLs []string
	// MaxReplicaLag is how far a replica may trail the primary and still answer reads
	// (default replica.DefaultMaxLag).
	MaxReplicaLag time.Duration
}

// Store is ClusterMap's PostGIS store: every query the service runs goes through it.
type Store struct {
	pool *pgxpool.Pool
	// reads routes read-only queries among replicas; nil without CLUSTERMAP_READ_DATABASE_URL.
	reads   *replica.Set
	catalog *Catalog
	timeout time.Duration
	// dynamicMode is how request-shaped statements run (see dynamic).
	dynamicMode pgx.QueryExecMode
}

// DefaultDynamicExecMode runs request-shaped SQL (a feature query with a property list, filters or
// CQL2) in one round trip with the unnamed statement: nothing stays prepared on the server.
// pgx's default, a cached prepared statement per distinct text, would keep up to 512 plans per
// connection, and one plan of a 60 KB filter holds tens of MB of backend memory. Fixed statements
// (tiles, planning, unfiltered pages) keep the cache: their texts are few.
const DefaultDynamicExecMode = pgx.QueryExecModeExec

// WithDynamicExecMode returns a Store sharing s's pool whose request-shaped statements run in
// mode m; the benchmarks use it to measure what not caching them costs.
func (s *Store) WithDynamicExecMode(m pgx.QueryExecMode) *Store {
	c := *s
	c.dynamicMode = m
	return &c
}

// dynamic prefixes a statement's arguments with the mode for request-shaped SQL.
func (s *Store) dynamic(a []any) []any {
	return append([]any{s.dynamicMode}, a...)
}

// Open connects to PostGIS. It does not migrate.
func Open(ctx context.Context, cfg DBConfig, catalog *Catalog, log *slog.Logger) (*Store, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.StatementTimeout <= 0 {
		cfg.StatementTimeout = 10 * time.Second
	}
	pcfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(cfg.StatementTimeout.Milliseconds(), 10)
	pcfg.ConnConfig.RuntimeParams["application_name"] = "clustermap"
	// PostGIS declares high function costs, which makes the JIT compile (for 100+ ms) queries that
	// then run in a few milliseconds; our queries are short, so it never pays.
	pcfg.ConnConfig.RuntimeParams["jit"] = "off"
	if cfg.MaxConns > 0 {
		pcfg.MaxConns = cfg.MaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	reads, err := replica.Open(ctx, cfg.ReadURLs, cfg.MaxReplicaLag, pool, pcfg, log)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, reads: reads, catalog: catalog, timeout: cfg.StatementTimeout, dynamicMode: DefaultDynamicExecMode}, nil
}

// Close releases the pools and stops following the replicas.
func (s *Store) Close() {
	if s.reads != nil {
		s.reads.Close()
	}
	s.pool.Close()
}

// Pool exposes the primary's connection pool to packages that add queries of their own: writes,
// sessions and anything that must read its own writes. Read-only queries that may run on a
// replica go through Read.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Catalog returns the layer catalog the store serves.
func (s *Store) Catalog() *Catalog { return s.catalog }

// Timeout is the per-statement limit; callers derive their query contexts from it.
func (s *Store) Timeout() time.Duration { return s.timeout }

// queryContext bounds a query by the store's statement timeout as well as by ctx.
func (s *Store) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	if err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Migrate applies the embedded goose migrations that the database has not seen yet and returns
// how many it applied.
func (s *Store) Migrate(ctx context.Context, migrations fs.FS) (int, error) {
	db := stdlib.OpenDBFromPool(s.pool)
	defer db.Close()
	return migrate(ctx, db, migrations)
}

func migrate(ctx context.Context, db *sql.DB, migrations fs.FS) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// Two migrates started at once (two instances deployed together) take turns on a session-level
	// advisory lock; the second then finds nothing left to do instead of failing half-way.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil && !errors.Is(err, goose.ErrNoNextVersion) {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(results), nil
}
