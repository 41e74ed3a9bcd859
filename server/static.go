package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/static"
)

// webApp serves the embedded Leaflet app. Files are hashed once at start-up so that browsers
// revalidate with a strong ETag and a reload after an upgrade never mixes old and new files.
type webApp struct {
	files map[string][]byte
	etags map[string]string
}

func newWebApp() (*webApp, error) {
	app := &webApp{files: map[string][]byte{}, etags: map[string]string{}}
	err := fs.WalkDir(static.Files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		data, err := fs.ReadFile(static.Files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		app.files["/"+p] = data
		app.etags["/"+p] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
	return app, err
}

// handle serves a file of the app, or falls through to the JSON 404 for anything else.
func (a *webApp) handle(c *gin.Context) {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		_ = c.Error(notFound("no such resource: " + c.Request.URL.Path))
		return
	}
	p := path.Clean(c.Request.URL.Path)
	if p == "/" {
		p = "/index.html"
	}
	data, ok := a.files[p]
	if !ok {
		_ = c.Error(notFound("no such resource: " + c.Request.URL.Path))
		return
	}
	h := c.Writer.Header()
	h.Set("ETag", a.etags[p])
	if strings.HasPrefix(p, "/vendor/") {
		h.Set("Cache-Control", "public, max-age=86400")
	} else {
		h.Set("Cache-Control", "no-cache") // revalidate: cheap with the ETag, never stale
	}
	h.Set("X-Content-Type-Options", "nosniff")
	// ServeContent picks the MIME type by extension (ES modules need text/javascript) and answers
	// If-None-Match with 304.
	http.ServeContent(c.Writer, c.Request, p, time.Time{}, bytes.NewReader(data))
}
