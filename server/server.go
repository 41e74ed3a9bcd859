// Package server is ClusterMap's HTTP face: the gin engine, its middleware and the handlers for
// /api, /tiles, /ogc and the web app. Handlers parse and validate requests into query values of
// the domain packages (geo, geo/cql2, geo/planning), call them, and write what PostGIS produced;
// they hold no SQL.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/planning"
)

// Config is the server's part of ClusterMap's configuration, built in main.
type Config struct {
	// Addr is the listen address, e.g. 127.0.0.1:8080.
	Addr string
	// CacheControl is sent with tiles and TileJSON, e.g. "public, max-age=60".
	CacheControl string
	// TileCacheMB bounds the in-process tile cache; 0 disables it.
	TileCacheMB int
	// ShutdownTimeout is how long in-flight requests may finish after SIGTERM.
	ShutdownTimeout time.Duration
}

// Server serves ClusterMap over HTTP.
type Server struct {
	cfg     Config
	store   *geo.Store
	planner *planning.Planner
	log     *slog.Logger
	engine  *gin.Engine
	tiles   *tileState
	app     *webApp
}

// New builds the server and its routes.
func New(cfg Config, store *geo.Store, log *slog.Logger) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{cfg: cfg, store: store, planner: planning.New(store), log: log, engine: gin.New(), tiles: newTileState(cfg, store.Catalog())}
	app, err := newWebApp()
	if err != nil {
		// The app is embedded at build time; failing to read it is a broken build, not input.
		panic(fmt.Sprintf("embedded web app: %v", err))
	}
	s.app = app
	s.engine.HandleMethodNotAllowed = true
	// API answers are gzipped on the fly at BestSpeed (the default level cost 3–5 ms on a 100 KB
	// GeoJSON page for little gain). The middleware sits outside writeErrors so error bodies are
	// compressed like any other. Tiles and the web app compress themselves, once, and cache it.
	compress := gzip.Gzip(gzip.BestSpeed, gzip.WithCustomShouldCompressFn(func(c *gin.Context) bool {
		p := c.Request.URL.Path
		return acceptsGzip(c.GetHeader("Accept-Encoding")) && (strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ogc"))
	}))
	s.engine.Use(withRequestID(), logRequests(log), recoverJSON(log), compress, writeErrors(log), rejectBadPaths())
	s.routes()
	return s
}

// Handler returns the HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.engine }

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
	srv := &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Tile caches follow the layers' data versions for as long as the server runs.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go s.watchVersions(watchCtx)
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

func (s *Server) routes() {
	r := s.engine
	// The web app is served for any path no route claims; anything else is a JSON 404.
	r.NoRoute(s.app.handle)
	r.NoMethod(func(c *gin.Context) {
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, gin.H{"error": "method not allowed"})
	})
	r.GET("/healthz", s.handleHealth)

	api := r.Group("/api", allowCORS())
	api.GET("/layers", s.handleLayers)
	api.GET("/layers/:layer/features", s.handleFeatures)
	api.GET("/layers/:layer/features/:fid", s.handleFeature)
	api.GET("/search", s.handleSearch)
	s.analysisRoutes(api)
	s.tileRoutes(r)
	s.ogcRoutes(r)
}
