// Package printer makes PDFs of ClusterMap's own pages with headless Chromium: the map print
// (/print) is the web map itself in its print mode, drawn by the browser from the same tiles,
// GeoJSON and styles as on screen, then printed by Chromium's own PDF printer (DevTools
// Page.printToPDF). A second map renderer in Go would draw a different map; Chromium draws the
// one users know, with its text as text (searchable, copyable).
//
// A browser is started for each print and closed after it: a print is rare and a browser
// that lives for weeks is one more thing to keep healthy. Prints run one at a time.
package printer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Paper is a sheet: its size in inches and orientation.
type Paper struct {
	Name      string
	WidthIn   float64
	HeightIn  float64
	Landscape bool
}

// Papers are the sheet sizes /print takes, portrait (ISO 216).
var Papers = map[string]Paper{
	"A4": {Name: "A4", WidthIn: 210 / 25.4, HeightIn: 297 / 25.4},
	"A3": {Name: "A3", WidthIn: 297 / 25.4, HeightIn: 420 / 25.4},
}

// ErrBusy is a print asked for while another is being made.
var ErrBusy = errors.New("printer: another print is being made")

// ErrNoBrowser is a print asked for on a machine without Chromium.
var ErrNoBrowser = errors.New("printer: Chromium is not installed")

// Printer prints pages of one site.
type Printer struct {
	// Exec is the Chromium binary.
	Exec string
	// Timeout bounds one print, from the browser's start to the PDF.
	Timeout time.Duration
	slot    chan struct{}
}

// New returns a printer using the Chromium at exec.
func New(exec string, timeout time.Duration) *Printer {
	return &Printer{Exec: exec, Timeout: timeout, slot: make(chan struct{}, 1)}
}

// PDF loads url, waits until the page says it is ready to print (the expression ready is true),
// and prints it on paper.
func (p *Printer) PDF(ctx context.Context, url, ready string, paper Paper) ([]byte, error) {
	if _, err := os.Stat(p.Exec); err != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrNoBrowser, p.Exec, err)
	}
	select {
	case p.slot <- struct{}{}:
		defer func() { <-p.slot }()
	default:
		return nil, ErrBusy
	}
	profile, err := os.MkdirTemp("", "clustermap-print-")
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(p.Exec),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (CI, containers); it only ever loads our pages.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	// The page lays itself out for the sheet at 96 px per inch.
	w, h := paper.WidthIn, paper.HeightIn
	if paper.Landscape {
		w, h = h, w
	}
	if err := chromedp.Do(tab,
		chromedp.EmulateViewport(int64(w*96), int64(h*96)),
		chromedp.Navigate(url),
	); err != nil {
		return nil, fmt.Errorf("printer: load %s: %w", url, err)
	}
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		return nil, fmt.Errorf("printer: the page did not get ready: %w", err)
	}
	zero := 0.0
	yes := true
	pdf, err := chromedp.Run(tab, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{
			PaperWidth: paper.WidthIn, PaperHeight: paper.HeightIn, Landscape: &paper.Landscape, PrintBackground: &yes,
			MarginTop: &zero, MarginBottom: &zero, MarginLeft: &zero, MarginRight: &zero,
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	})
	if err != nil {
		return nil, fmt.Errorf("printer: print: %w", err)
	}
	return pdf, nil
}
