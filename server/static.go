package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/static"
)

// webApp serves the embedded Leaflet app. Files are hashed once at start-up so that browsers
// revalidate with a strong ETag and a reload after an upgrade never mixes old and new files.
type webApp struct {
	files map[string][]byte
	etags map[string]string
	// gzipped holds the text files compressed once at the best level: the app is immutable, so
	// browsers get the smallest bytes at no per-request cost. brotli holds their Brotli, made at
	// build time (static/precompress.mjs, ~15 % smaller than the gzip), for browsers that take it.
	gzipped, brotli map[string][]byte
	// missing names the vendor or bundle file that is absent when the binary was built before npm
	// ran (`make vendor`); the app then answers 503 saying so instead of a map that cannot load.
	missing string
}

// builtFiles are files the app cannot start without; static/build.sh writes them.
var builtFiles = []string{"/vendor/leaflet/leaflet.js", "/dist/app.js"}

// brotliDir holds the Brotli files static/precompress.mjs writes.
const brotliDir = "dist/brotli/"

var compressible = map[string]bool{".html": true, ".js": true, ".css": true, ".json": true, ".svg": true, ".txt": true}

func newWebApp() (*webApp, error) {
	app := &webApp{files: map[string][]byte{}, etags: map[string]string{}, gzipped: map[string][]byte{}, brotli: map[string][]byte{}}
	err := fs.WalkDir(static.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") || strings.HasPrefix(p, brotliDir) {
			return err
		}
		data, err := fs.ReadFile(static.Files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		app.files["/"+p] = data
		app.etags["/"+p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		if compressible[path.Ext(p)] && len(data) > 1024 {
			var buf bytes.Buffer
			zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			if err != nil {
				return err
			}
			if _, err := zw.Write(data); err != nil {
				return err
			}
			if err := zw.Close(); err != nil {
				return err
			}
			app.gzipped["/"+p] = buf.Bytes()
			// The Brotli is named by the content it compresses (24 hex digits of its SHA-256):
			// one for another version of the file, or none at all, is never found.
			if br, err := fs.ReadFile(static.Files, brotliDir+hex.EncodeToString(sum[:12])+".br"); err == nil {
				app.brotli["/"+p] = br
			}
		}
		return nil
	})
	for _, f := range builtFiles {
		if _, ok := app.files[f]; !ok && app.missing == "" {
			app.missing = f
		}
	}
	return app, err
}

// handle serves a file of the app, or falls through to the JSON 404 for anything else.
func (a *webApp) handle(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		_ = c.Error(httpx.NotFound("no such resource: " + c.Request.URL.Path))
		return
	}
	p := path.Clean(c.Request.URL.Path)
	if p == "/" {
		p = "/index.html"
	}
	if a.missing != "" && (p == "/index.html" || strings.HasPrefix(p, "/vendor/") || strings.HasPrefix(p, "/dist/")) {
		_ = c.Error(httpx.NewError(http.StatusServiceUnavailable,
			"the web app's built files are missing ("+a.missing+"): this binary was built before `make vendor` (npm ci + static/build.sh); the API, tiles and OGC API work"))
		return
	}
	data, ok := a.files[p]
	if !ok {
		_ = c.Error(httpx.NotFound("no such resource: " + c.Request.URL.Path))
		return
	}
	h := c.Writer.Header()
	etag := a.etags[p]
	if gz, ok := a.gzipped[p]; ok {
		h.Add("Vary", "Accept-Encoding")
		accept := httpx.AcceptedEncodings(c.GetHeader("Accept-Encoding"))
		br, hasBrotli := a.brotli[p]
		switch {
		case hasBrotli && accept.Brotli:
			data = br
			etag = strings.TrimSuffix(etag, `"`) + `-br"` // a strong ETag names one encoding
			h.Set("Content-Encoding", "br")
		case accept.Gzip:
			data = gz
			etag = strings.TrimSuffix(etag, `"`) + `-gz"`
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	if strings.HasPrefix(p, "/vendor/") {
		h.Set("Cache-Control", "public, max-age=86400")
	} else {
		h.Set("Cache-Control", "no-cache") // revalidate: cheap with the ETag, never stale
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if path.Ext(p) == ".html" {
		httpx.SetHTMLSecurityHeaders(h)
	}
	// ServeContent picks the MIME type by extension (ES modules need text/javascript) and answers
	// If-None-Match with 304.
	http.ServeContent(c.Writer, c.Request, p, time.Time{}, bytes.NewReader(data))
}
