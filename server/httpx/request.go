package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// MaxBodyBytes bounds a write's body: a drawn boundary or a feature, not a bulk import.
const MaxBodyBytes = 4 << 20

// DecodeBody reads a JSON body of bounded size into v, refusing unknown members.
func DecodeBody(c *gin.Context, v any) error { return DecodeBodyMax(c, v, MaxBodyBytes) }

// DecodeBodyMax is DecodeBody for a body of at most limit bytes (a sign-in is a few hundred).
func DecodeBodyMax(c *gin.Context, v any, limit int64) error {
	b, err := readBody(c, limit)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return BadRequest("the body is not the expected JSON: " + err.Error())
	}
	return nil
}

// ReadBody reads a body of at most MaxBodyBytes; a larger one is a 413.
func ReadBody(c *gin.Context) ([]byte, error) { return readBody(c, MaxBodyBytes) }

// ReadBodyMax reads a body of at most limit bytes (a document); a larger one is a 413.
func ReadBodyMax(c *gin.Context, limit int64) ([]byte, error) { return readBody(c, limit) }

func readBody(c *gin.Context, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", limit))
	}
	if err != nil {
		return nil, BadRequest("reading the body: " + err.Error())
	}
	return b, nil
}

// AcceptsGzip reads Accept-Encoding: gzip (or x-gzip) with a non-zero q, or "*" when gzip is not
// refused by name.
func AcceptsGzip(header string) bool { return accepts(header, "gzip", "x-gzip") }

// Accepted are the content codings a client takes, of those ClusterMap sends.
type Accepted struct{ Gzip, Brotli bool }

// AcceptedEncodings reads Accept-Encoding for both codings. Browsers send br on HTTPS and on
// localhost, not on plain HTTP elsewhere; "*" takes a coding not refused by name.
func AcceptedEncodings(header string) Accepted {
	return Accepted{Gzip: AcceptsGzip(header), Brotli: accepts(header, "br")}
}

// accepts reads Accept-Encoding for one coding (by any of its names).
func accepts(header string, names ...string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if slices.Contains(names, name) {
			return q > 0
		}
		if name == "*" {
			star = q > 0
		}
	}
	return star
}

// ETagMatches is If-None-Match's weak comparison against the tags of an answer's representations
// (identity and gzip): a client holding either holds the current data.
func ETagMatches(header string, tags ...string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		t = strings.TrimPrefix(t, "W/")
		for _, tag := range tags {
			if t == tag {
				return true
			}
		}
	}
	return false
}
