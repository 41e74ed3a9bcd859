package ogc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
)

// Server-rendered HTML pages of /ogc (the HTML conformance class): plain pages a browser or a
// planner can follow from the landing page down to one feature, with the JSON one click away.

const ogcLayout = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{block "title" .}}ClusterMap OGC API{{end}}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1d2733}
a{color:#0b5cad} nav{font-size:.9em;margin-bottom:1rem} table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #d5dbe1;padding:.25rem .45rem;text-align:left;vertical-align:top} th{background:#f1f4f7}
.muted{color:#5a6673} code{background:#f1f4f7;padding:0 .2em} .pager a{margin-right:1rem}
</style></head><body>
<nav><a href="{{root}}?f=html">ClusterMap OGC API</a> · <a href="{{root}}/collections?f=html">Collections</a> · <a href="{{root}}/conformance?f=html">Conformance</a> · <a href="{{root}}/api?f=html">API</a></nav>
{{template "body" .}}
</body></html>`

var ogcPages = map[string]string{
	"landing": `{{define "title"}}{{.Title}}{{end}}{{define "body"}}<h1>{{.Title}}</h1><p>{{.Description}}</p>
<ul>{{range .Links}}{{if ne .Rel "self"}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Rel}}, {{.Type}})</span></li>{{end}}{{end}}</ul>{{end}}`,

	"conformance": `{{define "title"}}Conformance{{end}}{{define "body"}}<h1>Conformance classes</h1>
<ul>{{range .ConformsTo}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}`,

	"api": `{{define "title"}}{{.Title}}{{end}}{{define "body"}}<h1>{{.Title}}</h1><p>{{.Description}}</p>
<p>Server: <code>{{.Server}}</code> · <a href="{{root}}/api?f=json">OpenAPI 3.0 document (JSON)</a></p>
{{range .Operations}}<h2><code>GET {{.Path}}</code></h2><p>{{.Summary}}{{if .Description}}. {{.Description}}{{end}}</p>
{{if .Params}}<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Meaning</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Schema}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}{{end}}{{end}}`,

	"collections": `{{define "title"}}Collections{{end}}{{define "body"}}<h1>Collections</h1>
<table><tr><th>Collection</th><th>Description</th><th>Extent (CRS84)</th><th></th></tr>
{{range .Collections}}<tr><td><a href="{{root}}/collections/{{.ID}}?f=html">{{.Title}}</a><br><span class="muted">{{.TitleVI}} · <code>{{.ID}}</code></span></td>
<td>{{.Description}}</td><td>{{template "extent" .Extent}}</td><td><a href="{{root}}/collections/{{.ID}}/items?f=html">features</a></td></tr>{{end}}</table>{{end}}`,

	"collection": `{{define "title"}}{{.Title}}{{end}}{{define "body"}}<h1>{{.Title}}</h1><p class="muted">{{.TitleVI}} · <code>{{.ID}}</code></p>
<p>{{.Description}}</p><p>Extent: {{template "extent" .Extent}}</p>
<ul>{{range .Links}}{{if ne .Rel "self"}}<li><a href="{{.Href}}">{{.Title}}</a> <span class="muted">({{.Type}})</span></li>{{end}}{{end}}</ul>{{end}}`,

	"items": `{{define "title"}}{{.Layer.Title.EN}}: features{{end}}{{define "body"}}<h1><a href="{{root}}/collections/{{.Layer.ID}}?f=html">{{.Layer.Title.EN}}</a>: features</h1>
<p>{{.Returned}} of {{.Matched}} features{{if .Returned}} ({{.First}}–{{.Last}}){{end}}.</p>
<p class="pager">{{range .Links}}{{if or (eq .Rel "prev") (eq .Rel "next") (eq .Rel "alternate")}}<a href="{{.Href}}">{{.Title}}</a>{{end}}{{end}}</p>
<table><tr><th>id</th><th>geometry</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr><td><a href="{{.Href}}">{{.ID}}</a></td><td>{{.Geometry}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>{{end}}`,

	"feature": `{{define "title"}}{{.Layer.Title.EN}} {{.ID}}{{end}}{{define "body"}}<h1>{{.Name}}</h1>
<p class="muted"><a href="{{root}}/collections/{{.Layer.ID}}/items?f=html">{{.Layer.Title.EN}}</a> · id <code>{{.ID}}</code> · {{.Geometry}}</p>
<table>{{range .Props}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<p>{{range .Links}}{{if eq .Rel "alternate"}}<a href="{{.Href}}">{{.Title}}</a>{{end}}{{end}}</p>{{end}}`,

	"queryables": `{{define "title"}}{{.Layer.Title.EN}}: queryables{{end}}{{define "body"}}<h1><a href="{{root}}/collections/{{.Layer.ID}}?f=html">{{.Layer.Title.EN}}</a>: queryables</h1>
<p>Properties a <code>filter</code> (CQL2 text) may use, e.g. <code>?filter=status = 'operating'</code>.</p>
<table><tr><th>Name</th><th>Type</th><th>Title</th></tr><tr><td><code>geometry</code></td><td>geometry</td><td>Geometry (spatial functions)</td></tr>
{{range .Layer.Fields}}<tr><td><code>{{.Name}}</code></td><td>{{.Type}}{{if .Enum}}: {{join .Enum ", "}}{{end}}</td><td>{{.Title.EN}}</td></tr>{{end}}</table>{{end}}`,
}

const extentTemplate = `{{define "extent"}}{{with .}}{{with .Spatial}}{{range .BBox}}{{range $i, $v := .}}{{if $i}}, {{end}}{{printf "%.4f" $v}}{{end}}{{end}}{{end}}{{with .Temporal}}<br>{{range .Interval}}{{index . 0}} – {{index . 1}}{{end}}{{end}}{{else}}<span class="muted">empty</span>{{end}}{{end}}`

// ogcTemplates are parsed once; each request clones one and binds root to its public URL.
var ogcTemplates = func() map[string]*template.Template {
	out := make(map[string]*template.Template, len(ogcPages))
	for name, body := range ogcPages {
		t := template.Must(template.New("layout").Funcs(template.FuncMap{
			"root": func() string { return "" },
			"join": strings.Join,
		}).Parse(ogcLayout + extentTemplate))
		out[name] = template.Must(t.Parse(body)) // the page redefines the layout's blocks
	}
	return out
}()

// renderOGCHTML writes one page.
func (s *Service) renderOGCHTML(c *gin.Context, page string, data any) {
	base, ok := ogcTemplates[page]
	if !ok {
		_ = c.Error(fmt.Errorf("no HTML page %q", page))
		return
	}
	t, err := base.Clone()
	if err != nil {
		_ = c.Error(fmt.Errorf("HTML page %s: %w", page, err))
		return
	}
	root := ogcRoot(c)
	t.Funcs(template.FuncMap{"root": func() string { return root }})
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		_ = c.Error(fmt.Errorf("render HTML page %s: %w", page, err))
		return
	}
	httpx.SetHTMLSecurityHeaders(c.Writer.Header())
	c.Data(http.StatusOK, "text/html; charset=utf-8", b.Bytes())
}

// decodedFeature is a GeoJSON feature from PostGIS, decoded for an HTML page.
type decodedFeature struct {
	ID       json.RawMessage `json:"id"`
	Geometry *struct {
		Type string `json:"type"`
	} `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

func (f decodedFeature) id() string {
	var s string
	if json.Unmarshal(f.ID, &s) == nil {
		return s
	}
	return string(f.ID)
}

func (f decodedFeature) geometryType() string {
	if f.Geometry == nil {
		return "no geometry"
	}
	return f.Geometry.Type
}

// displayValue shows a JSON property value as text: strings unquoted, lists joined, null blank.
func displayValue(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, "; ")
	}
	return string(raw)
}

type itemsRow struct {
	ID, Href, Geometry string
	Values             []string
}

type itemsView struct {
	Layer                 *geo.Layer
	Columns               []string
	Rows                  []itemsRow
	Matched               int64
	Returned, First, Last int
	Links                 []httpx.Link
}

func itemsPage(c *gin.Context, l *geo.Layer, req *itemsRequest, page *geo.FeaturePage, links []httpx.Link) itemsView {
	v := itemsView{Layer: l, Matched: page.Matched, Returned: len(page.Features), First: req.query.Offset + 1,
		Last: req.query.Offset + len(page.Features), Links: links}
	for _, f := range l.Fields {
		if f.Name != "sources" && f.Name != "placement" && f.Name != "notes" {
			v.Columns = append(v.Columns, f.Name)
		}
	}
	for _, raw := range page.Features {
		var f decodedFeature
		if err := json.Unmarshal(raw, &f); err != nil {
			continue
		}
		row := itemsRow{ID: f.id(), Geometry: f.geometryType()}
		row.Href = withFormat(c, "/collections/"+url.PathEscape(l.ID)+"/items/"+url.PathEscape(row.ID), "html")
		for _, col := range v.Columns {
			row.Values = append(row.Values, displayValue(f.Properties[col]))
		}
		v.Rows = append(v.Rows, row)
	}
	return v
}

type featureView struct {
	Layer              *geo.Layer
	ID, Name, Geometry string
	Props              [][2]string
	Links              []httpx.Link
}

func featurePage(l *geo.Layer, raw []byte, links []httpx.Link) featureView {
	var f decodedFeature
	_ = json.Unmarshal(raw, &f)
	v := featureView{Layer: l, ID: f.id(), Geometry: f.geometryType(), Links: links}
	v.Name = l.Title.EN + " " + v.ID
	for _, key := range []string{"name", "name_en", "name_vi"} {
		if n := displayValue(f.Properties[key]); n != "" {
			v.Name = n
			break
		}
	}
	for _, fl := range l.Fields {
		v.Props = append(v.Props, [2]string{fl.Title.EN, displayValue(f.Properties[fl.Name])})
	}
	return v
}
