// Package server is ClusterMap's HTTP face: it builds the gin engine from one Config, wires the
// middleware (server/httpx) and the surfaces — /api and the web app here, /tiles (server/tiles),
// /ogc (server/ogc) and the workspace (server/workspace) — and serves them until shut down.
// Handlers parse and validate requests into query values of the domain packages (geo, geo/cql2,
// geo/planning), call them, and write what PostGIS produced; they hold no SQL.
package server

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/planning"
	"github.com/clustermap/clustermap/geo/units"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/ogc"
	"github.com/clustermap/clustermap/server/printer"
	"github.com/clustermap/clustermap/server/respcache"
	"github.com/clustermap/clustermap/server/tiles"
	"github.com/clustermap/clustermap/server/workspace"
)

// Config is the server's part of ClusterMap's configuration, built in main.
type Config struct {
	// Addr is the listen address, e.g. 127.0.0.1:8080.
	Addr string
	// CacheControl is sent with tiles and TileJSON, e.g. "public, max-age=60".
	CacheControl string
	// TileCacheMB bounds the in-process tile cache; 0 disables it.
	TileCacheMB int
	// ResponseCacheMB bounds the response cache of /api, /ogc and TileJSON answers
	// (server/respcache); 0 means DefaultResponseCacheMB, negative disables it (ETags and 304s
	// remain).
	ResponseCacheMB int
	// ShutdownTimeout is how long in-flight requests may finish after SIGTERM.
	ShutdownTimeout time.Duration

	// ReadTimeout bounds reading a whole request, body included, so a client that announces a
	// body and never sends it cannot hold a connection (default DefaultReadTimeout).
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the last byte of the answer
	// (default DefaultWriteTimeout).
	WriteTimeout time.Duration
	// MaxInFlight caps the requests answered at once; more are answered 503 with Retry-After.
	// 0 means DefaultMaxInFlight, negative means no cap.
	MaxInFlight int
	// MetricsAddr is where Prometheus metrics are served (/metrics), e.g. 127.0.0.1:9090; empty
	// serves none. It is a listener of its own so the public port never exposes them.
	MetricsAddr string
	// TrustedProxies are the peers whose X-Forwarded-Host and X-Forwarded-Proto are believed.
	// nil means loopback only (a reverse proxy on the same host); an empty, non-nil list means
	// none.
	TrustedProxies []netip.Prefix
	// SessionTTL is how long a workspace sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// WarmUp has the server ask itself, once serving, for what a first visit to the web map loads
	// (warm.go), so the first visitor after a start does not wait for PostGIS.
	WarmUp bool
	// Chromium is the browser /print drives (server/printer); a missing one makes /print 503.
	Chromium string
	// PrintBase is the address the print's browser loads the map from; empty: the server's own
	// listener (loopback when it listens on every address). Never the request's Host, which the
	// client chooses: the server's browser would go wherever a request told it to.
	PrintBase string
}

// Defaults of the HTTP server's limits.
const (
	DefaultReadTimeout = 15 * time.Second
	// DefaultWriteTimeout covers the largest answer: a 10,000-feature page whose statement may run
	// up to the default 10 s statement timeout, then megabytes to write to a slow mobile client.
	DefaultWriteTimeout = 60 * time.Second
	// DefaultMaxInFlight is four requests per pooled connection at the default pool size (16): the
	// pool queues the rest of a burst, and beyond that waiting is worse than a quick 503.
	DefaultMaxInFlight = 64
	// DefaultResponseCacheMB holds every layer's whole GeoJSON many times over (the seed's largest,
	// districts, is ~100 KB, ~30 KB gzipped) and the planning answers at 100× the seed (~2 MB).
	DefaultResponseCacheMB = 32
	// maxHeaderBytes leaves room for the longest query an /ogc filter may send (ogc.MaxQueryBytes)
	// in the request line, plus ordinary headers.
	maxHeaderBytes    = ogc.MaxQueryBytes + 32<<10
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
)

// Server serves ClusterMap over HTTP.
type Server struct {
	cfg      Config
	store    *geo.Store
	reads    storeReads // what the /api read handlers call: the store (reads.go)
	planner  *planning.Planner
	units    *units.Register
	log      *slog.Logger
	engine   *gin.Engine
	app      *webApp
	metrics  *httpx.Metrics
	versions *versions.Current // the layers' data versions, which both caches key on
	tiles    *tiles.Service
	ogc      *ogc.Service
	printer  *printer.Printer
	// printBase is where /print's browser loads the map (ownBase), set when serving starts.
	printBase atomic.Value
	workspace *workspace.Service
	// resp keeps the read answers by data version; deps are each layer's dependencies
	// (server/respcache).
	resp *respcache.Cache
	deps map[string][]string
	all  []string // every layer: what the layer list depends on
	// warmed is closed once the warm-up has run (Config.WarmUp).
	warmed chan struct{}
}

// New builds the server and its routes.
func New(cfg Config, store *geo.Store, log *slog.Logger) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, store: store, reads: store, planner: planning.New(store), units: units.New(store), log: log, engine: gin.New(), warmed: make(chan struct{})}
	app, err := newWebApp()
	if err != nil {
		// The app is embedded at build time; failing to read it is a broken build, not input.
		panic(fmt.Sprintf("embedded web app: %v", err))
	}
	if err := httpx.UseTrustedProxies(s.engine, cfg.TrustedProxies); err != nil {
		// The prefixes were parsed into netip values already; gin parses their text the same way.
		panic(fmt.Sprintf("trusted proxies: %v", err))
	}
	s.app = app
	s.metrics = httpx.NewMetrics(store.Pool())
	s.versions = versions.New(store, log)
	s.tiles = tiles.New(tiles.Config{CacheControl: cfg.CacheControl, CacheMB: cfg.TileCacheMB, Versions: s.versions.Of}, store, s.metrics)
	edits := edit.New(store, log)
	if cfg.SessionTTL > 0 {
		edits.SessionTTL = cfg.SessionTTL
	}
	if !store.HasReplicas() {
		// This process's reads come from the primary: its caches move to a write's versions
		// before the write is answered. With replicas they wait until a replica has replayed it.
		edits.Committed = s.versions.Committed
	}
	auth := httpx.NewAuth(edits, log)
	s.workspace = workspace.New(store, edits, auth, s.planner, log)
	s.ogc = ogc.New(store, edits, auth, log)
	s.printer = printer.New(cfg.Chromium, printTimeout)
	s.resp = newResponseCache(cfg, s.versions.Of, s.metrics)
	s.deps = respcache.LayerDeps(store.Catalog())
	s.all = respcache.AllLayers(store.Catalog())
	s.tiles.UseResponseCache(s.resp)
	s.ogc.UseResponseCache(s.resp)
	maxInFlight := cfg.MaxInFlight
	if maxInFlight == 0 {
		maxInFlight = DefaultMaxInFlight
	}
	s.engine.HandleMethodNotAllowed = true
	// API answers the response cache does not keep are gzipped on the fly at BestSpeed (the default
	// level cost 3–5 ms on a 100 KB GeoJSON page for little gain); kept answers, tiles and the web
	// app compress themselves, once. The middleware sits outside httpx.WriteErrors so error bodies
	// are compressed like any other.
	compress := httpx.Gzip(gzip.BestSpeed, func(c *gin.Context) bool {
		p := c.Request.URL.Path
		return httpx.AcceptsGzip(c.GetHeader("Accept-Encoding")) && (strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, ogc.Prefix))
	})
	// Order: observe everything (ids, logs, metrics), survive panics, compress, write errors, then
	// refuse what is too big or too much before any handler parses it.
	s.engine.Use(httpx.WithRequestID(), httpx.LogRequests(log, s.metrics), httpx.TrustProxies(cfg.TrustedProxies), httpx.RecoverJSON(log),
		compress, httpx.WriteErrors(log, s.metrics), httpx.LimitInFlight(maxInFlight, s.metrics), auth.Authenticate(carriesData), routeReads(store),
		httpx.LimitQuery(ogc.Prefix, ogc.MaxQueryBytes), httpx.RejectBadPaths())
	s.routes()
	return s
}

// carriesData reports whether a request asks for data, whose answer depends on who asks: /api,
// /ogc and /tiles, but for signing in and out (a stale cookie must not stop either). The web
// app's pages are the same for everyone.
func carriesData(c *gin.Context) bool {
	p := c.Request.URL.Path
	if p == "/api/session" && c.Request.Method != http.MethodGet {
		return false
	}
	return strings.HasPrefix(p, "/api/") || p == ogc.Prefix || strings.HasPrefix(p, ogc.Prefix+"/") || strings.HasPrefix(p, "/tiles/")
}

// newResponseCache makes the response cache over the layers' data versions, the one source
// every cache of the server keys on.
func newResponseCache(cfg Config, v versions.Lookup, m *httpx.Metrics) *respcache.Cache {
	mb := cfg.ResponseCacheMB
	if mb == 0 {
		mb = DefaultResponseCacheMB
	}
	return respcache.New(respcache.Config{MaxBytes: int64(max(mb, 0)) << 20, Versions: v, Private: httpx.SignedIn, Salt: answersRelease(), Metrics: m})
}

// answersFormat changes when answers are written differently from the same data, so that no
// client revalidates a body of an older release; the build's revision (when known) does the same.
const answersFormat = "1"

func answersRelease() string {
	salt := answersFormat
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" || kv.Key == "vcs.modified" {
				salt += "|" + kv.Value
			}
		}
	}
	return salt
}

// WarmedUp is closed once the warm-up has run; never when Config.WarmUp is off.
func (s *Server) WarmedUp() <-chan struct{} { return s.warmed }

// Handler returns the HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return headAsGet(s.engine) }

// Run listens on cfg.Addr until ctx is done, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.printBase.Store(ownBase(s.cfg.PrintBase, ln.Addr()))
	srv := s.httpServer(s.Handler())
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	if s.cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", s.cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen %s (metrics): %w", s.cfg.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.MetricsHandler())
		msrv := s.httpServer(mux)
		go func() {
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("metrics listener", "err", err)
			}
		}()
		defer msrv.Close()
		s.log.Info("serving metrics", "addr", mln.Addr().String()+"/metrics")
	}
	// The caches follow the layers' data versions for as long as the server runs.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.versions.Follow(watchCtx)
	if s.cfg.WarmUp {
		go func() {
			defer close(s.warmed)
			s.warmUp(watchCtx, srv.Handler, ln.Addr().String())
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	timeout := s.cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s.log.Info("shutting down")
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// httpServer is an http.Server with ClusterMap's limits: every phase of a request has a deadline,
// so slow or silent clients cannot pile up connections.
func (s *Server) httpServer(h http.Handler) *http.Server {
	read, write := s.cfg.ReadTimeout, s.cfg.WriteTimeout
	if read <= 0 {
		read = DefaultReadTimeout
	}
	if write <= 0 {
		write = DefaultWriteTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(readHeaderTimeout, read),
		ReadTimeout:       read,
		WriteTimeout:      write,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func (s *Server) routes() {
	r := s.engine
	// The web app is served for any path no route claims; anything else is a JSON 404.
	r.NoRoute(s.app.handle)
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, gin.H{"error": "method not allowed"})
	})
	r.GET("/healthz", s.handleHealth)
	r.GET("/print", s.handlePrint)

	api := r.Group("/api", httpx.AllowCORS())
	api.GET("/layers", s.handleLayers)
	api.GET("/layers/:layer/features", s.handleFeatures)
	api.GET("/layers/:layer/features/:fid", s.handleFeature)
	api.GET("/search", s.handleSearch)
	api.GET("/labels", s.handleLabels)
	s.unitRoutes(api)
	s.reportRoutes(api)
	s.analysisRoutes(api)
	s.tiles.Routes(r)
	s.ogc.Routes(r)
	s.workspace.Routes(r)
	s.preflightRoutes(r)
}

// preflightRoutes answers the CORS preflight (OPTIONS) on every GET route of /api, /ogc and
// /healthz, whichever file registered it, so that no new route can forget it; /tiles registers
// its own. A preflight carries no data, so it needs none of the route's other middleware.
func (s *Server) preflightRoutes(r *gin.Engine) {
	routes := r.Routes()
	// A route that registered its own OPTIONS keeps it (gin refuses a second one).
	taken := map[string]bool{}
	for _, ri := range routes {
		taken[ri.Method+" "+ri.Path] = true
	}
	for _, ri := range routes {
		p := ri.Path
		if ri.Method != http.MethodGet || !headAsGetPath(p) || taken[http.MethodOptions+" "+p] {
			continue
		}
		r.OPTIONS(p, httpx.AllowCORS())
	}
}

// headAsGetPath reports whether HEAD on path is answered by its GET route (see headAsGet).
func headAsGetPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == ogc.Prefix || strings.HasPrefix(p, ogc.Prefix+"/") || p == "/healthz"
}

// headAsGet answers HEAD on /api, /ogc and /healthz (GDAL and caches send it) by running the GET
// route with the body discarded. The request goes through the GET route's whole handler chain,
// group middleware included, so HEAD can never skip a check that GET makes. /tiles and the web
// app answer HEAD themselves.
func headAsGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead || !headAsGetPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		next.ServeHTTP(headWriter{w}, get)
	})
}

// headWriter keeps a GET answer's status and headers and drops its body.
type headWriter struct{ http.ResponseWriter }

func (h headWriter) Write(p []byte) (int, error)       { return len(p), nil }
func (h headWriter) WriteString(s string) (int, error) { return len(s), nil }
func (h headWriter) Unwrap() http.ResponseWriter       { return h.ResponseWriter }

// MetricsHandler serves the Prometheus metrics; Serve mounts it on Config.MetricsAddr.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.Handler() }

// ParseTrustedProxies reads a comma-separated list of IP addresses and CIDR prefixes
// (CLUSTERMAP_TRUSTED_PROXIES) into Config.TrustedProxies. "none" trusts no one; an empty string
// means the default (nil: loopback only).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) { return httpx.ParseTrustedProxies(s) }
