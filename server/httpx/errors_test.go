package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// WriteErrors is the one writer of error answers, the write side's included: each error kind gets
// its status, its body and, where the client needs it, a header.
func TestWriteErrors(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	for name, tc := range map[string]struct {
		err        error
		status     int
		header     [2]string
		bodyFields []string
	}{
		"stale":               {&edit.StaleError{Current: 7}, http.StatusPreconditionFailed, [2]string{"ETag", `"v7"`}, []string{"current_version", "etag"}},
		"no version named":    {fmt.Errorf("update: %w", edit.ErrPreconditionRequired), http.StatusPreconditionRequired, [2]string{}, nil},
		"invalid":             {&edit.ValidationError{Problems: []string{"name: required"}}, http.StatusUnprocessableEntity, [2]string{}, []string{"reasons"}},
		"forbidden":           {&edit.ForbiddenError{Reason: "outside your remit"}, http.StatusForbidden, [2]string{}, nil},
		"busy row":            {fmt.Errorf("update: %w", &pgconn.PgError{Code: "55P03"}), http.StatusServiceUnavailable, [2]string{"Retry-After", "5"}, nil},
		"statement timeout":   {&pgconn.PgError{Code: "57014"}, http.StatusServiceUnavailable, [2]string{"Retry-After", "5"}, nil},
		"disk full":           {fmt.Errorf("insert: %w", &pgconn.PgError{Code: "53100"}), http.StatusServiceUnavailable, [2]string{"Retry-After", "5"}, nil},
		"database restarting": {&pgconn.PgError{Code: "57P03"}, http.StatusServiceUnavailable, [2]string{"Retry-After", "5"}, nil},
		"connection lost":     {&pgconn.PgError{Code: "08006"}, http.StatusInternalServerError, [2]string{}, nil}, // a commit may have happened
		"database down":       {fmt.Errorf("acquire: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), http.StatusServiceUnavailable, [2]string{"Retry-After", "5"}, nil},
		"not found":           {geo.ErrNotFound, http.StatusNotFound, [2]string{}, nil},
		"bad input":           {BadRequest("bbox"), http.StatusBadRequest, [2]string{}, nil},
		"a bug":               {errors.New("boom"), http.StatusInternalServerError, [2]string{}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			r := gin.New()
			r.Use(WriteErrors(slog.New(slog.DiscardHandler), nil))
			r.GET("/", func(c *gin.Context) { _ = c.Error(tc.err) })
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if tc.header[0] != "" && w.Header().Get(tc.header[0]) != tc.header[1] {
				t.Errorf("%s: %q, want %q", tc.header[0], w.Header().Get(tc.header[0]), tc.header[1])
			}
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if msg, _ := body["error"].(string); msg == "" {
				t.Errorf("no error message: %s", w.Body)
			}
			for _, f := range tc.bodyFields {
				if _, ok := body[f]; !ok {
					t.Errorf("body lacks %q: %s", f, w.Body)
				}
			}
		})
	}
}
