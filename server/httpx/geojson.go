package httpx

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/clustermap/clustermap/geo"
)

// Media types every surface answers with.
const (
	JSONType    = "application/json"
	GeoJSONType = "application/geo+json"
)

// Link is a link of a GeoJSON page or an OGC document.
type Link struct {
	Rel   string `json:"rel"`
	Href  string `json:"href"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// FeatureCollection writes the page's features (GeoJSON text from PostGIS) into a
// FeatureCollection without decoding them.
func FeatureCollection(page *geo.FeaturePage, links []Link, extra map[string]any) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","numberMatched":`)
	b.WriteString(strconv.FormatInt(page.Matched, 10))
	b.WriteString(`,"numberReturned":`)
	b.WriteString(strconv.Itoa(len(page.Features)))
	for k, v := range extra {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		b.WriteByte(',')
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteString(`,"links":`)
	// Without HTML escaping, so hrefs keep a readable "&" instead of "\u0026".
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(links)
	b.Truncate(b.Len() - 1) // Encode's trailing newline
	b.WriteString(`,"features":[`)
	for i, f := range page.Features {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(f)
	}
	b.WriteString("]}")
	return b.Bytes()
}
