package server_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	for _, tc := range []struct {
		lang, query string
		want        []string
	}{
		{"vi", "bbox=107.5,13.0,109.4,14.8&layers=regions,districts,clusters,roads&size=A4&orientation=landscape&lang=vi",
			[]string{"Bản đồ cụm công nghiệp tỉnh Gia Lai", "Lớp bản đồ & chú giải", "Cụm, khu công nghiệp", "Quốc lộ", "Khu vực trung tâm",
				"Ranh giới: geoBoundaries", "Giấy phép dữ liệu", "km", "gần đúng"}},
		{"en", "bbox=107.8,13.6,108.4,14.2&layers=clusters,energy,districts&size=A3&orientation=portrait&lang=en&title=Pleiku%20and%20around",
			[]string{"Pleiku and around", "Layers & legend", "Industrial clusters and parks", "Energy projects", "Hydropower",
				"Boundaries: geoBoundaries", "Data licences", "km", "indicative"}},
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
		text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(text), w) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", tc.lang, w, text)
			}
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
