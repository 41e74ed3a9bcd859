package answer

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/server/httpx"
)

// Writer writes one cache's kept answers; it knows how that cache labels them.
type Writer struct {
	// statusHeader says what the cache did (X-Tile-Cache: hit, miss, …), in canonical form.
	statusHeader string
	// statuses are the header values of the cache's statuses, prepared once (never modified,
	// only assigned).
	statuses     map[string][]string
	cacheControl []string
}

// Header values shared by every answer (never modified, only assigned).
var (
	hdrVary   = []string{"Accept-Encoding"}
	hdrGzip   = []string{"gzip"}
	hdrBrotli = []string{"br"}
)

// NewWriter makes the writer of a cache whose answers say in statusHeader which of statuses
// served them, and carry cacheControl unless the handler chose a policy ("": none).
func NewWriter(statusHeader, cacheControl string, statuses ...string) *Writer {
	w := &Writer{statusHeader: http.CanonicalHeaderKey(statusHeader), statuses: map[string][]string{}}
	for _, s := range statuses {
		w.statuses[s] = []string{s}
	}
	if cacheControl != "" {
		w.cacheControl = []string{cacheControl}
	}
	return w
}

// Write sends a with its headers, labelled status: 304 when the client's If-None-Match (inm)
// names it, 204 when it has no body, Brotli or gzip only when the client accepts it and it helps
// (Brotli first), and always said so with Content-Encoding. Headers are assigned in canonical form
// from prepared values: this is the path every kept answer takes. It returns the body bytes sent,
// for the cache's metrics.
func (w *Writer) Write(c *gin.Context, a *Answer, status string, accept httpx.Accepted, inm string) (sent int) {
	h := c.Writer.Header()
	if v := h["Vary"]; len(v) == 0 {
		h["Vary"] = hdrVary
	} else {
		h["Vary"] = append(v, hdrVary...)
	}
	if _, chosen := h["Cache-Control"]; !chosen && w.cacheControl != nil {
		h["Cache-Control"] = w.cacheControl
	}
	if v, ok := w.statuses[status]; ok {
		h[w.statusHeader] = v
	} else {
		h[w.statusHeader] = []string{status}
	}
	payload, etag, length, encoding := a.raw, a.hdrETag, a.hdrLen, []string(nil)
	switch {
	case accept.Brotli && a.br != nil:
		payload, etag, length, encoding = a.br, a.hdrETagBr, a.hdrLenBr, hdrBrotli
	case accept.Gzip && a.gz != nil:
		payload, etag, length, encoding = a.gz, a.hdrETagGz, a.hdrLenGz, hdrGzip
	}
	h["Etag"] = etag
	if a.NotModified(inm) {
		if a.bodiless { // the tag the 200 it revalidates carried
			switch {
			case httpx.ETagMatches(inm, a.etagBr):
				h["Etag"] = a.hdrETagBr
			case httpx.ETagMatches(inm, a.etagGz):
				h["Etag"] = a.hdrETagGz
			}
		}
		c.Status(http.StatusNotModified)
		return 0
	}
	if len(a.raw) == 0 {
		c.Status(http.StatusNoContent)
		return 0
	}
	h["Content-Length"] = length
	if encoding != nil {
		h["Content-Encoding"] = encoding
	}
	h["Content-Type"] = a.hdrType
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(payload)
	if c.Request.Method == http.MethodHead {
		return 0
	}
	return len(payload)
}
