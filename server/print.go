package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/printer"
)

// printTimeout bounds one print, from the browser's start to the PDF.
const printTimeout = 45 * time.Second

// printRequest is a validated /print request: the view, the layers, the sheet, the language and
// the title. It becomes the web map's print mode (/?print=1&…), which Chromium prints.
type printRequest struct {
	bbox   [4]float64
	layers []string
	paper  printer.Paper
	lang   string
	title  string
	// sheet is a cluster whose one-page fact sheet is printed instead of the map; compare, two or
	// three clusters side by side.
	sheet   string
	compare []string
}

// parsePrint reads /print?bbox=minlon,minlat,maxlon,maxlat&layers=a,b&size=A4|A3
// &orientation=landscape|portrait&lang=vi|en&title=…; without bbox the province's view, without
// layers the web map's default ones. sheet=ID prints that cluster's fact sheet (A4 portrait).
func parsePrint(c *gin.Context, catalog *geo.Catalog) (printRequest, error) {
	r := printRequest{lang: "vi"}
	for key := range c.Request.URL.Query() {
		switch key {
		case "bbox", "layers", "size", "orientation", "lang", "title", "sheet", "compare":
		default:
			return r, httpx.BadRequest(fmt.Sprintf("unknown parameter %q; /print takes bbox, layers, size, orientation, lang, title", key))
		}
	}
	if v := c.Query("bbox"); v != "" {
		parts := strings.Split(v, ",")
		if len(parts) != 4 {
			return r, httpx.BadRequest("bbox is minlon,minlat,maxlon,maxlat")
		}
		for i, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil || f != f {
				return r, httpx.BadRequest("bbox is four numbers: minlon,minlat,maxlon,maxlat")
			}
			r.bbox[i] = f
		}
		b := r.bbox
		if b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 || b[0] >= b[2] || b[1] >= b[3] {
			return r, httpx.BadRequest("bbox must be minlon < maxlon and minlat < maxlat, in degrees")
		}
	}
	if v := c.Query("layers"); v != "" {
		for _, id := range strings.Split(v, ",") {
			if _, ok := catalog.Layer(id); !ok {
				return r, httpx.BadRequest(fmt.Sprintf("layers: no layer %q", id))
			}
			r.layers = append(r.layers, id)
		}
	}
	p, ok := printer.Papers[strings.ToUpper(c.DefaultQuery("size", "A4"))]
	if !ok {
		return r, httpx.BadRequest("size is A4 or A3")
	}
	r.paper = p
	switch c.DefaultQuery("orientation", "landscape") {
	case "landscape":
		r.paper.Landscape = true
	case "portrait":
		r.paper.Landscape = false
	default:
		return r, httpx.BadRequest("orientation is landscape or portrait")
	}
	switch r.lang = c.DefaultQuery("lang", "vi"); r.lang {
	case "vi", "en":
	default:
		return r, httpx.BadRequest("lang is vi or en")
	}
	if r.sheet = c.Query("sheet"); r.sheet != "" {
		if _, err := strconv.ParseInt(r.sheet, 10, 64); err != nil {
			return r, httpx.BadRequest("sheet is a cluster's id")
		}
		// The fact sheet is an A4 portrait page whatever else is asked.
		r.paper, r.paper.Landscape = printer.Papers["A4"], false
	}
	if v := c.Query("compare"); v != "" {
		r.compare = strings.Split(v, ",")
		if len(r.compare) < 2 || len(r.compare) > 3 {
			return r, httpx.BadRequest("compare takes two or three clusters' ids")
		}
		for _, id := range r.compare {
			if _, err := strconv.ParseInt(id, 10, 64); err != nil {
				return r, httpx.BadRequest("compare takes clusters' ids")
			}
		}
		r.paper, r.paper.Landscape = printer.Papers["A4"], false
	}
	r.title = c.Query("title")
	if len([]rune(r.title)) > 120 || !geo.ValidText(r.title) {
		return r, httpx.BadRequest("title is text of at most 120 characters")
	}
	return r, nil
}

// pageQuery is the web map's print mode for the request.
func (r printRequest) pageQuery() string {
	q := url.Values{"print": {"1"}, "lang": {r.lang}, "paper": {r.paper.Name}}
	if r.paper.Landscape {
		q.Set("orientation", "landscape")
	} else {
		q.Set("orientation", "portrait")
	}
	if r.bbox != [4]float64{} {
		q.Set("bbox", fmt.Sprintf("%g,%g,%g,%g", r.bbox[0], r.bbox[1], r.bbox[2], r.bbox[3]))
	}
	if len(r.layers) > 0 {
		q.Set("layers", strings.Join(r.layers, ","))
	}
	if r.title != "" {
		q.Set("title", r.title)
	}
	if r.sheet != "" {
		q.Set("sheet", r.sheet)
	}
	if len(r.compare) > 0 {
		q.Set("compare", strings.Join(r.compare, ","))
	}
	return q.Encode()
}

// handlePrint answers /print with a PDF of the map (server/printer).
func (s *Server) handlePrint(c *gin.Context) {
	r, err := parsePrint(c, s.store.Catalog())
	if err != nil {
		_ = c.Error(err)
		return
	}
	l, _ := s.store.Catalog().Layer("clusters")
	for _, id := range append(r.compare, r.sheet) {
		if id == "" {
			continue
		}
		if _, err := s.store.Feature(c.Request.Context(), l, id, nil); err != nil {
			_ = c.Error(err) // not found: 404
			return
		}
	}
	base, _ := s.printBase.Load().(string)
	if base == "" {
		_ = c.Error(httpx.NewError(http.StatusServiceUnavailable, "printing starts once the server listens"))
		return
	}
	pdf, err := s.printer.PDF(c.Request.Context(), base+"/?"+r.pageQuery(), `document.body.dataset.printReady === "true"`, r.paper)
	switch {
	case errors.Is(err, printer.ErrBusy):
		c.Header("Retry-After", "10")
		_ = c.Error(httpx.NewError(http.StatusServiceUnavailable, "another map is being printed; try again in a few seconds"))
		return
	case errors.Is(err, printer.ErrNoBrowser):
		_ = c.Error(httpx.NewError(http.StatusServiceUnavailable, "printing needs Chromium on the server (CLUSTERMAP_CHROMIUM)"))
		return
	case err != nil:
		s.log.Error("print failed", "request_id", httpx.RequestID(c), "err", err)
		_ = c.Error(fmt.Errorf("print: %w", err))
		return
	}
	name := "clustermap.pdf"
	if r.sheet != "" {
		name = "clustermap-" + r.sheet + ".pdf"
	}
	c.Header("Content-Disposition", `inline; filename="`+name+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// ownBase is the address /print's browser loads the map from: PrintBase when set, else the
// listener's own, with an every-address listener (0.0.0.0, ::) reached on loopback.
func ownBase(configured string, addr net.Addr) string {
	if configured != "" {
		return strings.TrimSuffix(configured, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port)
}
