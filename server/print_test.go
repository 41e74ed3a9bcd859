package server_test

import (
	"bytes"
	"html"
	"image"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// /print makes a one-page PDF of the map: its text holds the legend of the layers shown, the
// scale, the sources and licences and the caveat, in the language asked for; its first page,
// rendered to pixels, shows the map (region fills, not a blank box).
func TestPrintMakesAMapPDF(t *testing.T) {
	srv, store := newTestServer(t)
	startBrowser(t) // skips under -short, fails without Chromium: /print drives the same browser
	for _, tool := range []string{"pdftotext", "pdftoppm", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: install poppler-utils (make test does)", tool)
		}
	}
	dir := t.TempDir()
	// The date of the data is the latest version time of the layers shown, as the day it was in
	// Vietnam (UTC+7): versions made on other days than today, and one late in a UTC day, so that
	// neither the print's own date nor UTC's day could pass for it. (The generalised layers'
	// triggers are told not to regeneralise: only the time changes.)
	tx, err := store.Pool().Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT set_config('clustermap.tile_generalising', 'on', true)`,
		`UPDATE layer_versions SET updated_at = '2025-01-10 03:00:00+00'`,
		`UPDATE layer_versions SET updated_at = '2025-03-04 20:30:00+00' WHERE layer = 'roads'`,  // 05/03/2025 in Vietnam
		`UPDATE layer_versions SET updated_at = '2025-02-14 09:00:00+00' WHERE layer = 'energy'`, // 2025-02-14
	} {
		if _, err := tx.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, query string
		want        []string
		// the sheet in points (pdfinfo), the north arrow's letter, the date of the data
		width, height float64
		north, dated  string
	}{
		{"vi", "bbox=107.5,13.0,109.4,14.8&layers=regions,districts,clusters,roads&size=A4&orientation=portrait&lang=vi",
			[]string{"Bản đồ cụm công nghiệp tỉnh Gia Lai", "Lớp bản đồ & chú giải", "Cụm, khu công nghiệp", "Quốc lộ", "Khu vực trung tâm",
				"Ranh giới: geoBoundaries", "Giấy phép dữ liệu", "gần đúng"},
			595.28, 841.89, "B", "Ngày của dữ liệu: 05/03/2025"},
		{"en", "bbox=107.8,13.6,108.4,14.2&layers=clusters,energy,districts&size=A3&orientation=landscape&lang=en&title=Pleiku%20and%20around",
			[]string{"Pleiku and around", "Layers & legend", "Industrial clusters and parks", "Energy projects", "Hydropower",
				"Boundaries: geoBoundaries", "Data licences", "indicative"},
			1190.55, 841.89, "N", "Data as of 2025-02-14"},
	} {
		r, err := http.Get(srv.URL + "/print?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF")) {
			t.Fatalf("%s: %d %s %.200s", tc.lang, r.StatusCode, r.Header.Get("Content-Type"), pdf)
		}
		file := filepath.Join(dir, tc.lang+".pdf")
		if err := os.WriteFile(file, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		info, _ := exec.Command("pdfinfo", file).CombinedOutput()
		if !strings.Contains(string(info), "Pages:           1") {
			t.Errorf("%s: not one page:\n%s", tc.lang, info)
		}
		// The sheet asked for, within a point (Chromium rounds to its own units).
		if m := pageSize.FindStringSubmatch(string(info)); m == nil {
			t.Errorf("%s: pdfinfo gives no page size:\n%s", tc.lang, info)
		} else if w, h := atof(m[1]), atof(m[2]); math.Abs(w-tc.width) > 1 || math.Abs(h-tc.height) > 1 {
			t.Errorf("%s: the page is %.2f × %.2f pt, want %.2f × %.2f", tc.lang, w, h, tc.width, tc.height)
		}
		text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(string(text)), " ")
		for _, w := range append(tc.want, tc.dated) {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", tc.lang, w, text)
			}
		}
		// The web map's print button is not printed.
		if button := map[string]string{"vi": "In bản đồ", "en": "Print the map"}[tc.lang]; strings.Contains(flat, button) {
			t.Errorf("%s: the print shows the web map's print button %q", tc.lang, button)
		}
		// The scale bar and the north arrow, read where they are drawn: words with their boxes.
		scale, north := printedOnMap(t, file, tc.north)
		if !regexp.MustCompile(`^[1-9]\d* k?m$`).MatchString(scale) {
			t.Errorf("%s: the scale bar reads %q, want a distance in m or km", tc.lang, scale)
		}
		if !north {
			t.Errorf("%s: no north arrow lettered %q on the map", tc.lang, tc.north)
		}
		// The map is drawn: in the first page's left half (the map's place), most pixels are not
		// white (the province's fills and the map's background).
		if out, err := exec.Command("pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", file, filepath.Join(dir, tc.lang)).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, out)
		}
		matches, _ := filepath.Glob(filepath.Join(dir, tc.lang+"-*.png"))
		if len(matches) != 1 {
			t.Fatalf("rendered pages: %v", matches)
		}
		b, _ := os.ReadFile(matches[0])
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if share := inked(img, image.Rect(img.Bounds().Dx()/10, img.Bounds().Dy()/4, img.Bounds().Dx()/2, 3*img.Bounds().Dy()/4)); share < 0.5 {
			t.Errorf("%s: only %.0f %% of the map's area is drawn", tc.lang, share*100)
		}
	}
	// A cluster's fact sheet as a PDF: one A4 page with its map, figures, contact and sources.
	var id string
	if err := store.Pool().QueryRow(t.Context(), `SELECT id::text FROM clusters WHERE name = 'KCN Trà Đa'`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	r, err := http.Get(srv.URL + "/print?lang=en&sheet=" + id)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(r.Body)
	r.Body.Close()
	sheet := filepath.Join(dir, "sheet.pdf")
	if err := os.WriteFile(sheet, pdf, 0o600); err != nil || r.StatusCode != 200 {
		t.Fatalf("fact sheet: %d %v", r.StatusCode, err)
	}
	info, _ := exec.Command("pdfinfo", sheet).CombinedOutput()
	raw, _ := exec.Command("pdftotext", sheet, "-").Output()
	text := strings.Join(strings.Fields(string(raw)), " ") // lines wrap where the page's columns do
	for _, w := range []string{"KCN Trà Đa", "Coordinates", "To the nearest national highway", "Raw material within 30 km", "Sources", "ipcgialai@gmail.com"} {
		if !strings.Contains(text, w) {
			t.Errorf("the fact sheet PDF lacks %q:\n%s", w, text)
		}
	}
	if !strings.Contains(string(info), "Pages:           1") || !strings.Contains(string(info), "595.") {
		t.Errorf("the fact sheet is not one A4 portrait page:\n%s", info)
	}
	// Two clusters compared, as a PDF: one page naming both.
	var a, b, nameA, nameB string
	if err := store.Pool().QueryRow(t.Context(), `SELECT min(id)::text, max(id)::text FROM (SELECT id FROM clusters ORDER BY id LIMIT 2) x`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	_ = store.Pool().QueryRow(t.Context(), `SELECT (SELECT name FROM clusters WHERE id = $1::bigint), (SELECT name FROM clusters WHERE id = $2::bigint)`, a, b).Scan(&nameA, &nameB)
	r, err = http.Get(srv.URL + "/print?lang=vi&compare=" + a + "," + b)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ = io.ReadAll(r.Body)
	r.Body.Close()
	cmp := filepath.Join(dir, "compare.pdf")
	if err := os.WriteFile(cmp, pdf, 0o600); err != nil || r.StatusCode != 200 {
		t.Fatalf("comparison: %d %v", r.StatusCode, err)
	}
	info, _ = exec.Command("pdfinfo", cmp).CombinedOutput()
	raw, _ = exec.Command("pdftotext", cmp, "-").Output()
	text = strings.Join(strings.Fields(string(raw)), " ")
	if !strings.Contains(string(info), "Pages:           1") || !strings.Contains(text, nameA) || !strings.Contains(text, nameB) || !strings.Contains(text, "So sánh các cụm") {
		t.Errorf("the comparison PDF: %s\n%s", info, text)
	}
	if r, err := http.Get(srv.URL + "/print?sheet=999999"); err != nil || r.StatusCode != 404 {
		t.Errorf("a fact sheet of no cluster: %v %v, want 404", r.StatusCode, err)
	}

	for _, bad := range []string{"bbox=1,2,3", "sheet=abc", "compare=1", "compare=1,2,3,4", "layers=nope", "size=A0", "orientation=sideways", "lang=fr", "zoom=3", "bbox=109,14,108,13"} {
		r, err := http.Get(srv.URL + "/print?" + bad)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 400 {
			t.Errorf("/print?%s: %d, want 400", bad, r.StatusCode)
		}
	}
}

// The web map's print button links to /print of what the map shows: the view's bounds, the
// layers switched on and the page's language; followed, it prints that map (the layer switched
// off is not in the legend).
func TestPrintButtonPrintsTheViewShown(t *testing.T) {
	srv, _ := newTestServer(t)
	browser := startBrowser(t)
	p := newPage(t, browser, srv.URL, desktop)
	p.load("/")
	// Pan and zoom to Pleiku, and switch the roads off.
	evalJS[bool](p, `(() => { window.clustermap.map.setView([13.98, 108.0], 11, { animate: false });
	  const roads = document.getElementById("layer-roads"); if (roads.checked) roads.click(); return true; })()`)
	type shown struct {
		Href, Lang, BBox string
		Layers           []string
	}
	want := func() shown {
		return evalJS[shown](p, `(() => {
		  const b = window.clustermap.map.getBounds();
		  return {
		    href: document.querySelector("a.cm-print-link").href,
		    lang: document.documentElement.lang,
		    bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(","),
		    layers: [...document.querySelectorAll('.legend-layer input[type=checkbox][id^="layer-"]:checked')]
		      .map((c) => c.id.slice("layer-".length)).filter((id) => id !== "basemap"),
		  };
		})()`)
	}
	// The link follows the map once the move has ended.
	pollJS[bool](p, `(() => { const b = window.clustermap.map.getBounds();
	  return decodeURIComponent(document.querySelector("a.cm-print-link").href).includes(b.getWest().toFixed(5) + ",") })()`, settle)
	got := want()
	u, err := url.Parse(got.Href)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/print" || q.Get("bbox") != got.BBox || q.Get("lang") != got.Lang || !sameSet(strings.Split(q.Get("layers"), ","), got.Layers) {
		t.Errorf("the print button links to %s; the map shows bbox %s, layers %v, language %s", got.Href, got.BBox, got.Layers, got.Lang)
	}
	if slices.Contains(strings.Split(q.Get("layers"), ","), "roads") || !slices.Contains(got.Layers, "clusters") {
		t.Errorf("the link's layers %q: want the clusters and not the roads switched off", q.Get("layers"))
	}
	// Followed, it prints that map.
	r, err := http.Get(got.Href)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("%s: %d %.200s", got.Href, r.StatusCode, pdf)
	}
	file := filepath.Join(t.TempDir(), "button.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err := exec.Command("pdftotext", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(raw)), " ")
	if !strings.Contains(text, "Cụm, khu công nghiệp") || strings.Contains(text, "Quốc lộ") {
		t.Errorf("the printed legend does not follow the map's layers (clusters on, roads off):\n%s", text)
	}
}

// sameSet says whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

// inked is the share of the rectangle's pixels that are not near-white.
func inked(img image.Image, r image.Rectangle) float64 {
	n, ink := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			n++
			if cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				ink++
			}
		}
	}
	return float64(ink) / float64(n)
}

// A request's Host never sends the server's browser elsewhere: /print loads the map from the
// server's own listener whatever Host the client sends.
func TestPrintIgnoresTheRequestHost(t *testing.T) {
	srv, _ := newTestServer(t)
	startBrowser(t)
	req, err := http.NewRequest("GET", srv.URL+"/print?lang=en&bbox=108.0,13.9,108.1,14.0", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "127.0.0.2:1" // nothing listens there: a print that followed Host would fail
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !bytes.HasPrefix(b, []byte("%PDF")) {
		t.Errorf("/print with Host %s: %d %.200s", req.Host, r.StatusCode, b)
	}
}

// pageSize is pdfinfo's line of the page's size in points.
var pageSize = regexp.MustCompile(`Page size:\s+([\d.]+) x ([\d.]+) pts`)

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// printedOnMap reads the scale bar and the north arrow off the PDF's page by their words' boxes
// (pdftotext -bbox): the scale bar is the one number followed on its line by a unit of length
// ("30 km"); the north arrow is the letter set right under the arrow (▲) it names.
func printedOnMap(t *testing.T, file, letter string) (scale string, north bool) {
	t.Helper()
	out, err := exec.Command("pdftotext", "-bbox", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	type word struct {
		x0, y0, x1, y1 float64
		text           string
	}
	var words []word
	for _, m := range wordBox.FindAllStringSubmatch(string(out), -1) {
		words = append(words, word{atof(m[1]), atof(m[2]), atof(m[3]), atof(m[4]), html.UnescapeString(m[5])})
	}
	var scales []string
	for i, w := range words {
		if i+1 < len(words) && regexp.MustCompile(`^\d+$`).MatchString(w.text) && regexp.MustCompile(`^k?m$`).MatchString(words[i+1].text) {
			if n := words[i+1]; math.Abs(n.y0-w.y0) < 1 && n.x0 > w.x1 && n.x0-w.x1 < 6 {
				scales = append(scales, w.text+" "+n.text)
			}
		}
		if w.text == "▲" {
			for _, n := range words {
				if n.text == letter && math.Abs((n.x0+n.x1)/2-(w.x0+w.x1)/2) < 2 && n.y0 > w.y0 && n.y0-w.y1 < 4 {
					north = true
				}
			}
		}
	}
	if len(scales) != 1 {
		t.Errorf("distances on the page: %q, want the scale bar's alone", scales)
		return "", north
	}
	return scales[0], north
}

// wordBox is one word of pdftotext -bbox: its box and its text.
var wordBox = regexp.MustCompile(`<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>`)
