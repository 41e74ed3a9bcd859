package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
)

const requestIDKey = "request_id"

const clientRequestIDKey = "client_request_id"

// maxClientRequestID bounds the client's own request id as logged.
const maxClientRequestID = 64

// WithRequestID gives every request an id of the server's own and echoes it. The id goes into
// history with every write, so a client cannot choose it (it could otherwise make its write look
// like another's); an X-Request-Id the client sent is kept beside it for the log only.
func WithRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		if theirs := c.GetHeader("X-Request-Id"); theirs != "" {
			if len(theirs) > maxClientRequestID {
				theirs = theirs[:maxClientRequestID]
			}
			c.Set(clientRequestIDKey, strconv.QuoteToASCII(theirs))
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// RequestID is the request's id, the server's own.
func RequestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// maxLoggedQuery bounds the query string in a log line: a 200 KB CQL2 filter must not become a
// 200 KB line (the route and the request id find the request; the start says what it was).
const maxLoggedQuery = 256

// LogRequests writes one structured line per request and records it in the metrics.
func LogRequests(log *slog.Logger, m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		elapsed := time.Since(start)
		m.observe(c, elapsed)
		query := c.Request.URL.RawQuery
		if len(query) > maxLoggedQuery {
			query = query[:maxLoggedQuery] + "…(" + strconv.Itoa(len(query)) + " bytes)"
		}
		path := c.Request.URL.Path
		if len(path) > maxLoggedQuery {
			path = path[:maxLoggedQuery] + "…"
		}
		// LogAttrs with typed attributes: this runs on every request, tiles included.
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("request_id", RequestID(c)), slog.String("client_request_id", c.GetString(clientRequestIDKey)),
			slog.String("method", c.Request.Method),
			slog.String("route", c.FullPath()), slog.String("path", path), slog.String("query", query),
			slog.Int("status", c.Writer.Status()), slog.Int("bytes", c.Writer.Size()),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000))
	}
}

// RecoverJSON turns a panic into a logged 500 with a JSON body, so no input can crash the server.
func RecoverJSON(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic", "request_id", RequestID(c), "path", c.Request.URL.Path, "panic", r)
				if !c.Writer.Written() {
					c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
				}
			}
		}()
		c.Next()
	}
}

// AllowCORS lets browsers and GIS web clients on other origins read the public data. The
// methods and request headers allowed are said in the preflight (OPTIONS) answer alone, where
// browsers read them: on every answer they were 110 bytes of each tile and API response (1.3 kB
// of a province's first load).
func AllowCORS() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Content-Encoding, X-Request-Id")
		if c.Request.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Accept, If-None-Match, Content-Type")
			// Browsers may keep the preflight for a day (Chromium caps it at 2 hours).
			h.Set("Access-Control-Max-Age", "86400")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}

// RejectBadPaths answers a path that is not valid UTF-8 text (or holds a NUL byte) with a 400, so
// path parameters (feature ids, district codes) can never make PostgreSQL fail on their encoding.
func RejectBadPaths() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !geo.ValidText(c.Request.URL.Path) {
			_ = c.Error(BadRequest("the path is not valid UTF-8 text"))
			c.Abort()
			return
		}
		c.Next()
	}
}
