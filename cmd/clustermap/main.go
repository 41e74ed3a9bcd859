// Command clustermap runs ClusterMap: it migrates and seeds the PostGIS database, imports layers
// and serves the web map, GeoJSON, vector tiles and OGC API – Features. This file only reads
// flags and the environment into one Config and wires the packages together.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/geo/replica"
	"github.com/clustermap/clustermap/geo/synthetic"
	"github.com/clustermap/clustermap/migrations"
	"github.com/clustermap/clustermap/server"
)

// Config is ClusterMap's whole configuration, read once here and passed down.
type Config struct {
	DB     geo.DBConfig
	Server server.Config
	// CRS is the coordinate system of an import file (import only).
	CRS string
	// ServeRole is the login role `serve` runs as on the database, given its grants by migrate
	// and seed (CLUSTERMAP_SERVE_ROLE); never the owner that migrates.
	ServeRole string
	// AllowVSI lets an import name a GDAL virtual file system path (/vsicurl/, /vsizip/, …):
	// off by default, since /vsicurl/ makes the importer fetch over the network.
	AllowVSI bool
	// MaxZoom is the deepest zoom of the offline pack's tiles (export-pmtiles only).
	MaxZoom uint
	// Synthetic names the generated dataset seed loads instead of the sourced one, and
	// SyntheticScale multiplies its counts (seed only; geo/synthetic).
	Synthetic      string
	SyntheticScale float64
}

const usage = `clustermap — industrial clusters (CCN) of one or more Vietnamese provinces, served as a web map, GeoJSON, vector tiles and OGC API.

Usage:
  clustermap migrate                      apply the database migrations (as the owner), and grant the
                                          serving role (CLUSTERMAP_SERVE_ROLE) what serve needs
  clustermap seed                         migrate, then load the sourced seed dataset (idempotent)
  clustermap seed --synthetic national [--scale F]
                                          migrate, then load the synthetic national dataset (generated,
                                          not real: for benchmarks) into an empty database
  clustermap check                        say what is wrong with the database's roles and grants
  clustermap import [--crs EPSG:n] [--allow-vsi] LAYER FILE
                                          load GeoJSON (or Shapefile/GeoPackage via ogr2ogr) into LAYER;
                                          LAYER "communes": official commune/ward boundaries (by code)
  clustermap serve                        serve HTTP on CLUSTERMAP_ADDR
  clustermap export-pmtiles [--max-zoom N] DIR
                                          write the offline pack into DIR: the web app, the GeoJSON
                                          layers and every layer's tiles (z0–14) in one PMTiles file
  clustermap user add NAME --role ROLE [--commune|--province|--district CODE] | user token NAME | user disable NAME
                                          workspace accounts (password on standard input)

Flags (each mirrors an environment variable):
`

func main() {
	logs := newBufferedLog(os.Stderr, 200*time.Millisecond)
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	err := run(os.Args[1:], log)
	logs.Close()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "clustermap:", err)
		}
		os.Exit(1)
	}
}

func run(args []string, log *slog.Logger) error {
	cfg, rest, err := configure(args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return errors.New("no command: use migrate, seed, import or serve (-h for help)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if rest[0] != "serve" {
		// Only serving reads from replicas; migrations, imports and accounts write to the primary.
		cfg.DB.ReadURLs = nil
	}
	store, err := geo.Open(ctx, cfg.DB, geo.DefaultCatalog(), log)
	if err != nil {
		return err
	}
	defer store.Close()

	switch cmd := rest[0]; cmd {
	case "migrate":
		return migrateAndGrant(ctx, store, cfg, log)
	case "check":
		return checkRoles(ctx, store, cfg, os.Stdout)
	case "seed":
		if err := migrateAndGrant(ctx, store, cfg, log); err != nil {
			return err
		}
		if cfg.Synthetic != "" || len(rest) > 1 {
			return seedSynthetic(ctx, store, cfg, rest[1:], os.Stdout)
		}
		// The real seed and the synthetic dataset never share a database.
		if found, err := synthetic.Present(ctx, store.Pool()); err != nil {
			return err
		} else if found {
			return errors.New("this database holds the synthetic national dataset: seed the real data into a database of its own")
		}
		seed, err := fs.Sub(migrations.Files, "seed")
		if err != nil {
			return err
		}
		rep, err := ingest.New(store, log).Seed(ctx, seed)
		if err != nil {
			return err
		}
		for _, l := range rep.Layers {
			log.Info("seeded", "layer", l.Layer, "features", l.Features, "inserted", l.Inserted, "updated", l.Updated, "unchanged", l.Unchanged)
		}
		log.Info("seed done", "regions", rep.Regions, "seconds", rep.Duration.Seconds())
		return nil
	case "import":
		// "--" may stand before FILE, as with any command that takes names.
		args := slices.DeleteFunc(slices.Clone(rest[1:]), func(a string) bool { return a == "--" })
		if len(args) != 2 {
			return errors.New("usage: clustermap import [--crs EPSG:n] [--allow-vsi] LAYER FILE")
		}
		return importFile(ctx, store, args[0], args[1], cfg)
	case "serve":
		limitMemory(log)
		warnAboutRoles(ctx, store, log)
		return server.New(cfg.Server, store, log).Run(ctx)
	case "user":
		return runUser(ctx, store, rest[1:], os.Stdin, os.Stdout, log)
	case "export-pmtiles":
		return exportPack(ctx, store, cfg, rest[1:], log)
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// migrateAndGrant applies the migrations, then gives the serving role its grants again: those on
// the database and the role's membership live outside a dump, so a restored database gets them
// back from the next migrate.
func migrateAndGrant(ctx context.Context, store *geo.Store, cfg Config, log *slog.Logger) error {
	n, err := store.Migrate(ctx, migrations.Files)
	if err != nil {
		return err
	}
	if err := store.GrantServing(ctx, migrations.Files, cfg.ServeRole); err != nil {
		return err
	}
	log.Info("migrated", "applied", n, "serving_role", cfg.ServeRole)
	return nil
}

// defaultMemoryLimit is serve's soft memory limit when GOMEMLIMIT does not set one: room for the
// tile and response caches (64 + 32 MB by default) and a burst of work, past which the collector
// runs harder instead of letting a flood of sign-ins (19 MiB per hash) or checks grow the heap.
// It is soft: the process may exceed it rather than fail.
const defaultMemoryLimit = 256 << 20

func limitMemory(log *slog.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return // the runtime has read it
	}
	debug.SetMemoryLimit(defaultMemoryLimit)
	log.Info("soft memory limit", "bytes", defaultMemoryLimit, "set_with", "GOMEMLIMIT")
}

// warnAboutRoles logs, at start, what is wrong with the role serve logs in as: serving as the
// owner works, but then a flaw in the server can forge history (see README, Deploying).
func warnAboutRoles(ctx context.Context, store *geo.Store, log *slog.Logger) {
	role, err := store.LoginRole(ctx)
	if err == nil {
		var problems []string
		if problems, err = store.RoleProblems(ctx, role); err == nil {
			for _, p := range problems {
				log.Warn("database roles: run clustermap migrate as the owner and serve as the serving role", "problem", p)
			}
		}
	}
	if err != nil {
		log.Warn("database roles: cannot check", "err", err)
	}
}

// checkRoles prints what is wrong with the roles and grants, and fails when anything is.
func checkRoles(ctx context.Context, store *geo.Store, cfg Config, out io.Writer) error {
	problems, err := store.RoleProblems(ctx, cfg.ServeRole)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(out, "problem:", p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems with the database's roles", len(problems))
	}
	fmt.Fprintf(out, "roles: ok (serving role %s, editor role %s)\n", cfg.ServeRole, geo.EditorRole)
	return nil
}

// configure reads the environment, then flags, into a Config; flags win.
func configure(args []string) (_ Config, _ []string, err error) {
	cfg := Config{
		DB: geo.DBConfig{
			URL:              env("DATABASE_URL", "postgres://clustermap@127.0.0.1:5432/clustermap?sslmode=disable"),
			StatementTimeout: envDuration("CLUSTERMAP_STATEMENT_TIMEOUT", 10*time.Second),
			MaxConns:         int32(envInt("CLUSTERMAP_DB_MAX_CONNS", 16)),
			MaxReplicaLag:    envDuration("CLUSTERMAP_MAX_REPLICA_LAG", replica.DefaultMaxLag),
		},
		Server: server.Config{
			Addr:            env("CLUSTERMAP_ADDR", "127.0.0.1:8080"),
			CacheControl:    env("CLUSTERMAP_CACHE_CONTROL", "public, max-age=60"),
			TileCacheMB:     envInt("CLUSTERMAP_TILE_CACHE_MB", 64),
			ResponseCacheMB: envInt("CLUSTERMAP_RESPONSE_CACHE_MB", server.DefaultResponseCacheMB),
			ShutdownTimeout: envDuration("CLUSTERMAP_SHUTDOWN_TIMEOUT", 10*time.Second),
			ReadTimeout:     envDuration("CLUSTERMAP_READ_TIMEOUT", server.DefaultReadTimeout),
			WriteTimeout:    envDuration("CLUSTERMAP_WRITE_TIMEOUT", server.DefaultWriteTimeout),
			MaxInFlight:     envInt("CLUSTERMAP_MAX_IN_FLIGHT", server.DefaultMaxInFlight),
			MetricsAddr:     env("CLUSTERMAP_METRICS_ADDR", ""),
			WarmUp:          env("CLUSTERMAP_WARM_UP", "on") != "off",
			Chromium:        env("CLUSTERMAP_CHROMIUM", "/usr/bin/chromium"),
			PrintBase:       env("CLUSTERMAP_PRINT_BASE", ""),
		},
	}
	cfg.ServeRole = env("CLUSTERMAP_SERVE_ROLE", geo.DefaultServeRole)
	trusted := env("CLUSTERMAP_TRUSTED_PROXIES", "")
	readURLs := env("CLUSTERMAP_READ_DATABASE_URL", "")
	fl := flag.NewFlagSet("clustermap", flag.ContinueOnError)
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), usage)
		fl.PrintDefaults()
	}
	fl.StringVar(&cfg.DB.URL, "database-url", cfg.DB.URL, "PostgreSQL/PostGIS connection URL (DATABASE_URL)")
	fl.DurationVar(&cfg.DB.StatementTimeout, "statement-timeout", cfg.DB.StatementTimeout, "limit on every SQL statement (CLUSTERMAP_STATEMENT_TIMEOUT)")
	maxConns := fl.Int("db-max-conns", int(cfg.DB.MaxConns), "connection pool size (CLUSTERMAP_DB_MAX_CONNS)")
	fl.StringVar(&readURLs, "read-database-url", readURLs, "streaming replica URL(s), comma-separated, for read-only queries; empty: the primary (CLUSTERMAP_READ_DATABASE_URL)")
	fl.DurationVar(&cfg.DB.MaxReplicaLag, "max-replica-lag", cfg.DB.MaxReplicaLag, "a replica further behind the primary leaves the read set (CLUSTERMAP_MAX_REPLICA_LAG)")
	fl.StringVar(&cfg.Server.Addr, "addr", cfg.Server.Addr, "listen address (CLUSTERMAP_ADDR)")
	fl.StringVar(&cfg.Server.CacheControl, "cache-control", cfg.Server.CacheControl, "Cache-Control of tiles (CLUSTERMAP_CACHE_CONTROL)")
	fl.IntVar(&cfg.Server.TileCacheMB, "tile-cache-mb", cfg.Server.TileCacheMB, "in-process tile cache size in MiB, 0 disables (CLUSTERMAP_TILE_CACHE_MB)")
	fl.IntVar(&cfg.Server.ResponseCacheMB, "response-cache-mb", cfg.Server.ResponseCacheMB, "in-process cache of /api, /ogc and TileJSON answers in MiB, 0 disables; ETags and 304s remain (CLUSTERMAP_RESPONSE_CACHE_MB)")
	fl.DurationVar(&cfg.Server.ShutdownTimeout, "shutdown-timeout", cfg.Server.ShutdownTimeout, "grace period on SIGTERM (CLUSTERMAP_SHUTDOWN_TIMEOUT)")
	fl.DurationVar(&cfg.Server.ReadTimeout, "read-timeout", cfg.Server.ReadTimeout, "limit on reading a request, body included (CLUSTERMAP_READ_TIMEOUT)")
	fl.DurationVar(&cfg.Server.WriteTimeout, "write-timeout", cfg.Server.WriteTimeout, "limit on answering a request, from its headers to the last byte (CLUSTERMAP_WRITE_TIMEOUT)")
	fl.IntVar(&cfg.Server.MaxInFlight, "max-in-flight", cfg.Server.MaxInFlight, "requests answered at once; more get 503 + Retry-After; negative: no cap (CLUSTERMAP_MAX_IN_FLIGHT)")
	fl.BoolVar(&cfg.Server.WarmUp, "warm-up", cfg.Server.WarmUp, "at start, fill the caches with what a first visit to the web map loads; --warm-up=false: don't (CLUSTERMAP_WARM_UP=off)")
	fl.StringVar(&cfg.Server.Chromium, "chromium", cfg.Server.Chromium, "the Chromium binary /print drives to make PDFs (CLUSTERMAP_CHROMIUM)")
	fl.StringVar(&cfg.Server.PrintBase, "print-base", cfg.Server.PrintBase, "where /print's browser loads the map, e.g. http://127.0.0.1:8080; empty: the server's own listener (CLUSTERMAP_PRINT_BASE)")
	fl.StringVar(&cfg.Server.MetricsAddr, "metrics-addr", cfg.Server.MetricsAddr, "address of the Prometheus /metrics listener, e.g. 127.0.0.1:9090; empty: none (CLUSTERMAP_METRICS_ADDR)")
	fl.StringVar(&trusted, "trusted-proxies", trusted, "IPs/CIDRs whose X-Forwarded-Host/-Proto are believed; empty: loopback only; none: no one (CLUSTERMAP_TRUSTED_PROXIES)")
	fl.StringVar(&cfg.ServeRole, "serve-role", cfg.ServeRole, "migrate, seed, check: the login role serve runs as, which owns nothing (CLUSTERMAP_SERVE_ROLE)")
	fl.BoolVar(&cfg.AllowVSI, "allow-vsi", false, "import: accept GDAL /vsi… names (e.g. /vsicurl/ fetches over the network)")
	fl.StringVar(&cfg.CRS, "crs", "", "import: coordinate system of FILE, e.g. EPSG:9218 (default: the file's own, else EPSG:4326)")
	fl.UintVar(&cfg.MaxZoom, "max-zoom", 14, "export-pmtiles: the deepest zoom of the pack's tiles (at most 16)")
	fl.StringVar(&cfg.Synthetic, "synthetic", "", "seed: load this generated dataset instead of the sourced one (national), into an empty database")
	fl.Float64Var(&cfg.SyntheticScale, "scale", 1, "seed --synthetic: multiplies every count (1: 34 provinces, ~3,300 communes, ~2,000 clusters)")
	// Flags may stand before or after the command word.
	if err := fl.Parse(args); err != nil {
		return cfg, nil, err
	}
	rest := fl.Args()
	if len(rest) > 0 {
		if err := fl.Parse(rest[1:]); err != nil {
			return cfg, nil, err
		}
		rest = append([]string{rest[0]}, fl.Args()...)
	}
	cfg.DB.MaxConns = int32(*maxConns)
	if cfg.Server.ResponseCacheMB == 0 {
		cfg.Server.ResponseCacheMB = -1 // the server reads 0 as its default size; 0 here means off
	}
	cfg.DB.ReadURLs = replica.ParseURLs(readURLs)
	if cfg.DB.MaxReplicaLag <= 0 {
		return cfg, nil, errors.New("max replica lag must be positive")
	}
	if cfg.Server.TrustedProxies, err = server.ParseTrustedProxies(trusted); err != nil {
		return cfg, nil, err
	}
	if cfg.Server.TileCacheMB < 0 {
		return cfg, nil, errors.New("tile cache size must not be negative")
	}
	return cfg, rest, nil
}

// importFile loads a file into a layer; Shapefiles and GeoPackages are converted to GeoJSON by
// ogr2ogr first, keeping their coordinate system so that PostGIS does the transformation.
func importFile(ctx context.Context, store *geo.Store, layer, path string, cfg Config) error {
	src, err := importSource(path, cfg.AllowVSI)
	if err != nil {
		return err
	}
	var data []byte
	switch strings.ToLower(filepath.Ext(src)) {
	case ".geojson", ".json":
		data, err = os.ReadFile(src)
	default:
		if _, lookErr := exec.LookPath("ogr2ogr"); lookErr != nil {
			return fmt.Errorf("import %s: only GeoJSON can be read without GDAL; install gdal-bin for ogr2ogr", path)
		}
		data, err = ingest.OGRToGeoJSON(ctx, src, false)
	}
	if err != nil {
		return fmt.Errorf("import %s: read: %w", path, err)
	}
	if layer == "communes" { // the official commune and ward boundaries, into the register
		rep, err := ingest.New(store, nil).ImportUnitBoundaries(ctx, "commune", data, cfg.CRS)
		if rep != nil {
			out, _ := json.MarshalIndent(rep, "", "  ")
			fmt.Println(string(out))
		}
		return err
	}
	rep, err := ingest.New(store, nil).Import(ctx, layer, data, ingest.ImportOptions{CRS: cfg.CRS})
	if rep != nil {
		out, _ := json.MarshalIndent(rep, "", "  ")
		fmt.Println(string(out))
	}
	return err
}

// importSource is the name handed to ogr2ogr. A relative name becomes an absolute, cleaned path,
// so it starts with "/" and can never be read as an option ("-f") or a GDAL connection string
// ("PG:…", "WFS:…"). GDAL's virtual file systems (/vsicurl/ fetches a URL, /vsizip/ opens
// archives) are refused unless allowed: an import should read the file named, nothing else.
func importSource(path string, allowVSI bool) (string, error) {
	if strings.HasPrefix(strings.ToLower(path), "/vsi") {
		if !allowVSI {
			return "", fmt.Errorf("import %s: GDAL virtual file system names (/vsi…) are refused; pass --allow-vsi to read one", path)
		}
		return path, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", path, err)
	}
	return abs, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}
