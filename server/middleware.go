package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
)

const requestIDKey = "request_id"

// withRequestID gives every request an id (or keeps a sane one the client sent) and echoes it.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// logRequests writes one structured line per request.
func logRequests(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		// LogAttrs with typed attributes: this runs on every request, tiles included.
		log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
			slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path), slog.String("query", c.Request.URL.RawQuery),
			slog.Int("status", c.Writer.Status()), slog.Int("bytes", c.Writer.Size()),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
	}
}

// recoverJSON turns a panic into a logged 500 with a JSON body, so no input can crash the server.
func recoverJSON(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				log.Error("panic", "request_id", requestID(c), "path", c.Request.URL.Path, "panic", r)
				if !c.Writer.Written() {
					c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal error"})
				}
			}
		}()
		c.Next()
	}
}

// allowCORS lets browsers and GIS web clients on other origins read the public data.
func allowCORS() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Accept, If-None-Match, Content-Type")
		h.Set("Access-Control-Expose-Headers", "ETag, Content-Encoding, X-Request-Id")
		if c.Request.Method == http.MethodOptions {
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}

// rejectBadPaths answers a path that is not valid UTF-8 text (or holds a NUL byte) with a 400, so
// path parameters (feature ids, district codes) can never make PostgreSQL fail on their encoding.
func rejectBadPaths() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !geo.ValidText(c.Request.URL.Path) {
			_ = c.Error(badRequest("the path is not valid UTF-8 text"))
			c.Abort()
			return
		}
		c.Next()
	}
}
