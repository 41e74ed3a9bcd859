package server

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
)

// httpError is an error with the status the client should see. Handlers return it (or any
// error) through c.Error; writeErrors turns it into the JSON body and the log line.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(msg string) error { return &httpError{http.StatusBadRequest, msg} }
func notFound(msg string) error   { return &httpError{http.StatusNotFound, msg} }

// statusOf maps an error to its HTTP status: client mistakes are 4xx, anything else 500.
func statusOf(err error) (int, string) {
	var he *httpError
	var ie *geo.InputError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.As(err, &ie):
		return http.StatusBadRequest, ie.Msg
	case errors.Is(err, geo.ErrNotFound):
		return http.StatusNotFound, "not found"
	}
	return http.StatusInternalServerError, "internal error"
}

// writeErrors is the one place that writes error bodies: {"error": "..."} with the right status.
func writeErrors(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 {
			return
		}
		err := c.Errors.Last().Err
		status, msg := statusOf(err)
		if c.Request.Context().Err() != nil && status == http.StatusInternalServerError {
			// The client left; the query was cancelled with it. Nothing to answer.
			log.Info("request cancelled", "request_id", requestID(c), "path", c.Request.URL.Path)
			c.Abort()
			return
		}
		if status >= 500 {
			log.Error("request failed", "request_id", requestID(c), "path", c.Request.URL.Path, "err", err)
		}
		if !c.Writer.Written() {
			c.AbortWithStatusJSON(status, gin.H{"error": msg})
		}
	}
}
