// Command clustermap-soak is the soak test behind `make soak`: it starts a clustermap server on
// loopback and sends it mixed traffic at a fixed rate for a fixed time — tiles, features with
// property lists and filters, search, planning, OGC items with distinct CQL2 filters, hostile
// requests (oversized queries, absurd decimals, bad boxes) and slow clients (a body announced and
// never sent; an answer read a few bytes at a time). Every interval it prints the requests, the
// errors (5xx other than overload 503s, and transport failures), p99 latency, the server's RSS and
// the summed RSS of its PostgreSQL backends, so a leak shows as a trend.
//
// With -attacks login,bombs (the default) the run has two phases with the same ordinary mix: a baseline
// (-baseline, half the run by default), then the same with the attack mix beside it (attacks.go):
// a sign-in flood — parallel wrong passwords, names and bodies over the limits, made-up
// forwarding headers — and boundary checks of ~10,000 vertices and of one too many. It prints
// the attack requests' answers per kind, and checks them: no 5xx other than a 503 with
// Retry-After, every answer one the kind may get, and the made-up headers winning the one loud
// address nothing more than its own limits.
//
// At the end it prints the figures against their targets (-p99-target, -rss-target-mb, the
// server's peak RSS against -peak-rss-target-mb, and the public GET p99 with the attacks against
// -p99-ratio-target times the baseline's), and checks the server's log (its output goes to
// -server-log): no line longer than -max-log-line. An error or a failed check always fails the
// run; a missed target only with BENCH_STRICT=1 (internal/timing).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/internal/timing"
)

type options struct {
	bin, dbURL, addr string
	serveURL         string // the serving role's URL: the server logs in as it, as make run does
	duration, every  time.Duration
	rate             int
	p99Target        time.Duration // of the requests other than slow and silent clients
	rssTargetMB      float64       // the server's resident set at the end
	peakRSSTargetMB  float64       // the server's highest resident set (VmHWM)
	attacks          string        // the attack mix of the second phase: login, bombs, or none
	baseline         time.Duration // the first phase, without the attacks
	attackRate       int           // attack slots per second
	p99RatioTarget   float64       // public GET p99 with the attacks over the baseline's
	serverLog        string        // where the server's output goes
	maxLogLine       int           // bytes
}

func main() {
	var o options
	flag.StringVar(&o.bin, "clustermap", "bin/clustermap", "the clustermap binary")
	flag.StringVar(&o.dbURL, "database-url", os.Getenv("DATABASE_URL"), "the seeded PostGIS database (DATABASE_URL)")
	flag.StringVar(&o.serveURL, "serve-database-url", os.Getenv("CLUSTERMAP_SERVE_DATABASE_URL"), "the same database for the serving role, which the server logs in as (CLUSTERMAP_SERVE_DATABASE_URL; empty: -database-url)")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:18123", "loopback address the server listens on")
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long traffic runs (SOAK_DURATION)")
	flag.DurationVar(&o.every, "every", 30*time.Second, "reporting interval")
	flag.IntVar(&o.rate, "rate", 100, "requests per second, sent on a fixed schedule")
	flag.DurationVar(&o.p99Target, "p99-target", 100*time.Millisecond, "target p99 latency over the whole run (fails only with BENCH_STRICT=1)")
	flag.Float64Var(&o.rssTargetMB, "rss-target-mb", 200, "target server RSS at the end, MB (fails only with BENCH_STRICT=1)")
	flag.Float64Var(&o.peakRSSTargetMB, "peak-rss-target-mb", 300, "target peak server RSS (VmHWM), MB (fails only with BENCH_STRICT=1)")
	flag.StringVar(&o.attacks, "attacks", "login,bombs", "after a baseline phase, add these attacks: login (sign-in flood), bombs (boundary checks of ~10,000 vertices); none: no attack phase")
	flag.DurationVar(&o.baseline, "baseline", 0, "length of the phase without attacks (0: half of -duration)")
	flag.IntVar(&o.attackRate, "attack-rate", 20, "attack slots per second in the attack phase (a parallel sign-in slot sends 8 requests)")
	flag.Float64Var(&o.p99RatioTarget, "p99-ratio-target", 2, "target public GET p99 with the attacks over without (fails only with BENCH_STRICT=1)")
	flag.StringVar(&o.serverLog, "server-log", "", "file for the server's output (empty: a temporary file, removed when the run passes)")
	flag.IntVar(&o.maxLogLine, "max-log-line", 4096, "longest server log line allowed, bytes (a longer one fails the run)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "clustermap-soak:", err)
		os.Exit(1)
	}
}

// sample is one finished request of the ordinary mix.
type sample struct {
	latency   time.Duration
	status    int  // 0: transport error
	slow      bool // a slow or silent client: its time is the client's, not the server's
	public    bool // a request a visitor of the map makes (not hostile, not slow)
	attacking bool // sent in the attack phase
}

type recorder struct {
	mu      sync.Mutex
	samples []sample
}

func (r *recorder) add(s sample) {
	r.mu.Lock()
	r.samples = append(r.samples, s)
	r.mu.Unlock()
}

func (r *recorder) take() []sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.samples
	r.samples = nil
	return out
}

// meter holds the counts every interval line prints.
type meter struct {
	total, errors, overload atomic.Int64
	bare503                 atomic.Int64 // 503s of the ordinary mix without Retry-After
	attacks                 atomic.Int64 // attack requests answered
	pid                     int
	ctx                     context.Context
	db                      *pgx.Conn
}

func run(o options) error {
	if !strings.HasPrefix(o.addr, "127.") {
		return fmt.Errorf("address %s: the soak test only sends traffic to loopback", o.addr)
	}
	kinds, err := parseAttacks(o.attacks)
	if err != nil {
		return err
	}
	attacks := len(kinds) > 0
	if o.baseline <= 0 {
		o.baseline = o.duration / 2
	}
	if attacks && (o.baseline >= o.duration || o.attackRate <= 0) {
		return fmt.Errorf("-baseline %v leaves no attack phase in -duration %v (or -attack-rate %d)", o.baseline, o.duration, o.attackRate)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logFile, err := openServerLog(o.serverLog)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// The server's environment is the caller's (CLUSTERMAP_TRUSTED_PROXIES included), as with make run.
	srv := exec.CommandContext(ctx, o.bin, "serve")
	serveURL := o.serveURL
	if serveURL == "" {
		serveURL = o.dbURL
	}
	srv.Env = append(os.Environ(), "DATABASE_URL="+serveURL, "CLUSTERMAP_ADDR="+o.addr)
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start %s: %w", o.bin, err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base := "http://" + o.addr
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if err := waitHealthy(client, base); err != nil {
		return fmt.Errorf("%w (server log: %s)", err, logFile.Name())
	}
	db, err := pgx.Connect(ctx, o.dbURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer db.Close(ctx)
	var target string
	if attacks {
		if target, err = floodTarget(ctx, db, o.bin, o.dbURL); err != nil {
			return err
		}
	}

	m := &meter{pid: srv.Process.Pid, ctx: ctx, db: db}
	rec := &recorder{}
	var hostile4xx atomic.Int64
	var attacking atomic.Bool
	var inflight sync.WaitGroup
	sem := make(chan struct{}, 512) // the sender never holds more than this many requests open
	send := func(i int) {
		defer inflight.Done()
		defer func() { <-sem }()
		kind, start, during := i%20, time.Now(), attacking.Load()
		var status int
		public := false
		switch {
		case kind == 18:
			status = silentBody(o.addr)
		case kind == 19:
			status = slowReader(o.addr, "/api/layers/districts/features?limit=5")
		default:
			path, want4xx := request(i)
			public = !want4xx
			resp, err := client.Get(base + path)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
				if status == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
					m.bare503.Add(1)
				}
			}
			if want4xx && status >= 400 && status < 500 {
				hostile4xx.Add(1)
			}
		}
		m.total.Add(1)
		switch {
		case status == http.StatusServiceUnavailable:
			m.overload.Add(1)
		case status == 0 || status >= 500:
			m.errors.Add(1)
		}
		rec.add(sample{time.Since(start), status, kind >= 18, public, during})
	}
	var atk *attacker
	var attackers sync.WaitGroup
	asem := make(chan struct{}, 128) // attack slots open at once
	if attacks {
		atk = newAttacker(base, target, kinds, &m.attacks)
	}
	sendAttack := func(i int) {
		defer attackers.Done()
		defer func() { <-asem }()
		atk.send(i)
	}

	fmt.Printf("soak: %d req/s for %v against %s (pid %d)\n", o.rate, o.duration, base, srv.Process.Pid)
	if attacks {
		fmt.Printf("phases: %v without attacks, then %v with the attack mix (%s) at %d slots/s beside it; flood target user %s; trusted proxies: %s\n",
			o.baseline, o.duration-o.baseline, o.attacks, o.attackRate, target, trustedProxies())
	}
	fmt.Printf("server log: %s\n", logFile.Name())
	fmt.Printf("%8s %9s %7s %8s %9s %10s %12s %8s\n", "elapsed", "requests", "errors", "503", "p99_ms", "rss_mb", "pg_rss_mb", "attacks")
	fmt.Println("(p99 leaves out the slow and silent clients; pg_rss_mb sums the backends' RSS, shared buffers they touched included; attacks: attack requests answered)")
	startRSS, startPG := rssMB(srv.Process.Pid), backendsMB(ctx, db)
	fmt.Printf("%8s %9d %7d %8d %9s %10.1f %12.1f %8d\n", "0s", 0, 0, 0, "-", startRSS, startPG, 0)
	tick := time.NewTicker(time.Second / time.Duration(o.rate))
	defer tick.Stop()
	report := time.NewTicker(o.every)
	defer report.Stop()
	end := time.After(o.duration)
	var phase2 <-chan time.Time // nil (never) without -attacks
	if attacks {
		phase2 = time.After(o.baseline)
	}
	var attackTick <-chan time.Time // nil until the attack phase
	began := time.Now()
	var all []sample
	i, j := 0, 0
loop:
	for {
		select {
		case <-tick.C:
			select {
			case sem <- struct{}{}:
				inflight.Add(1)
				go send(i)
				i++
			default: // the schedule is fixed: a slot we cannot fill is a skipped request, counted
				m.errors.Add(1)
			}
		case <-phase2:
			fmt.Printf("%8s attack phase starts\n", time.Since(began).Round(time.Second))
			t := time.NewTicker(time.Second / time.Duration(o.attackRate))
			defer t.Stop()
			attackTick, atk.started = t.C, time.Now()
			attacking.Store(true)
		case <-attackTick:
			select {
			case asem <- struct{}{}:
				attackers.Add(1)
				go sendAttack(j)
				j++
			default: // as above: the server holds so many attack requests that the sender stalls
				atk.skipped.Add(1)
			}
		case <-report.C:
			all = append(all, m.interval(rec.take(), time.Since(began))...)
		case <-end:
			break loop
		}
	}
	attackers.Wait()
	if atk != nil {
		atk.finished = time.Now()
		atk.aftermath()
	}
	inflight.Wait()
	all = append(all, m.interval(rec.take(), time.Since(began))...)
	endRSS, peakRSS, endPG := rssMB(srv.Process.Pid), procStatusMB(srv.Process.Pid, "VmHWM:"), backendsMB(ctx, db)
	lat := latencies(all, func(s sample) bool { return !s.slow })
	fmt.Printf("total: %d requests, %d errors, %d overload 503s, %d hostile requests refused with 4xx, p99 %.1f ms; RSS %.1f → %.1f MB (peak %.1f MB); PostgreSQL backends %.1f → %.1f MB\n",
		m.total.Load(), m.errors.Load(), m.overload.Load(), hostile4xx.Load(), p99(lat), startRSS, endRSS, peakRSS, startPG, endPG)
	// The server's log is buffered: stopping it as a deployment would writes out the rest.
	stopServer(srv)

	var rep attackReport
	if atk != nil {
		fmt.Printf("attacks: answers per kind (status×count; 0: no answer):\n")
		rep = atk.report(os.Stdout)
	}
	var c checks
	fmt.Println("checks (a failed one fails the run, with or without BENCH_STRICT=1):")
	c.atMost("errors_of_the_ordinary_mix", int(m.errors.Load()), 0, "")
	c.atMost("ordinary_503_without_retry_after", int(m.bare503.Load()), 0, "")
	if atk != nil {
		c.atMost("attack_5xx_other_than_503_with_retry_after", rep.fiveXX, 0, "")
		c.atMost("attack_503_without_retry_after", rep.noRetryAfter, 0, "")
		c.atMost("attack_requests_not_answered", rep.noAnswer+rep.skipped, 0, "")
		c.atMost("attack_answers_not_right_for_the_kind", rep.wrong, 0, "")
		c.atMost("spoofed_address_passwords_checked", rep.oneAddressLogins, rep.loginBound, "")
		c.atMost("spoofed_address_boundary_checks_run", rep.oneAddressChecks, rep.checkBound, "")
	}
	longest, start, over, err := longestLine(logFile.Name(), o.maxLogLine)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	c.atMost("longest_server_log_line", longest, o.maxLogLine, "bytes")
	if over > 0 {
		fmt.Printf("  %d server log lines over %d bytes; the longest starts %q\n", over, o.maxLogLine, start)
	}

	var goals timing.Targets
	goals.AtMost("p99_ms", p99(lat), float64(o.p99Target.Microseconds())/1000, "ms")
	goals.AtMost("server_rss_mb", endRSS, o.rssTargetMB, "MB")
	goals.AtMost("server_peak_rss_mb", peakRSS, o.peakRSSTargetMB, "MB")
	if attacks {
		before := p99(latencies(all, func(s sample) bool { return s.public && !s.attacking }))
		during := p99(latencies(all, func(s sample) bool { return s.public && s.attacking }))
		fmt.Printf("public GET p99: %.1f ms without attacks, %.1f ms with them (×%.2f)\n", before, during, during/before)
		goals.AtMost("public_get_p99_ratio_attacks_to_baseline", during/before, o.p99RatioTarget, "x")
	}
	fmt.Println("targets (BENCH_STRICT=1 fails on a missed one):")
	missed := goals.Report(os.Stdout)
	if len(c.failed) > 0 {
		return fmt.Errorf("failed: %s (server log kept: %s)", strings.Join(c.failed, ", "), logFile.Name())
	}
	if o.serverLog == "" {
		_ = os.Remove(logFile.Name())
	}
	return missed
}

// openServerLog opens the file the server's output goes to: path, else a new temporary file.
func openServerLog(path string) (*os.File, error) {
	if path == "" {
		return os.CreateTemp("", "clustermap-soak-server-*.log")
	}
	return os.Create(path)
}

// trustedProxies says which peers the server believes X-Forwarded-For from: the attacks' made-up
// headers are sent as if through such a proxy.
func trustedProxies() string {
	if v := os.Getenv("CLUSTERMAP_TRUSTED_PROXIES"); v != "" {
		return "CLUSTERMAP_TRUSTED_PROXIES=" + v
	}
	return "CLUSTERMAP_TRUSTED_PROXIES unset (loopback, as make run has it)"
}

// stopServer ends the server with SIGTERM and waits for it (killing it if it outlasts its own
// shutdown timeout by far).
func stopServer(srv *exec.Cmd) {
	_ = srv.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = srv.Process.Kill()
		<-done
	}
}

// checks are the run's correctness conditions: unlike a target, a failed one fails the run
// whatever BENCH_STRICT says. They print in the targets' layout.
type checks struct{ failed []string }

func (c *checks) atMost(name string, got, limit int, unit string) {
	verdict := "ok"
	if got > limit {
		verdict = "FAILED"
		c.failed = append(c.failed, name)
	}
	fmt.Printf("  check  %-44s %10d %-5s (<= %d): %s\n", name, got, unit, limit, verdict)
}

// longestLine reads the file at path a buffer at a time (a runaway line must not need its size
// in memory) and returns its longest line's length, the start of that line, and how many lines
// are over limit.
func longestLine(path string, limit int) (longest int, start string, over int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	n, head := 0, []byte{}
	for {
		chunk, err := br.ReadSlice('\n')
		n += len(chunk)
		if len(head) < 160 {
			head = append(head, chunk[:min(len(chunk), 160-len(head))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		l := n
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			l-- // the newline is not part of the line
		}
		if l > longest {
			longest, start = l, string(head)
		}
		if l > limit {
			over++
		}
		n, head = 0, head[:0]
		if errors.Is(err, io.EOF) {
			return longest, start, over, nil
		}
		if err != nil {
			return 0, "", 0, err
		}
	}
}

// interval prints one line of the table and returns its samples.
func (m *meter) interval(s []sample, elapsed time.Duration) []sample {
	fmt.Printf("%8s %9d %7d %8d %9.1f %10.1f %12.1f %8d\n", elapsed.Round(time.Second), m.total.Load(), m.errors.Load(), m.overload.Load(),
		p99(latencies(s, func(x sample) bool { return !x.slow })), rssMB(m.pid), backendsMB(m.ctx, m.db), m.attacks.Load())
	return s
}

// latencies are the latencies of the samples keep keeps.
func latencies(s []sample, keep func(sample) bool) []time.Duration {
	lat := make([]time.Duration, 0, len(s))
	for _, x := range s {
		if keep(x) {
			lat = append(lat, x.latency)
		}
	}
	return lat
}

func p99(lat []time.Duration) float64 {
	if len(lat) == 0 {
		return math.NaN()
	}
	slices.Sort(lat)
	return float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds()) / 1000
}

// request is the i-th request of the mix, and whether it is hostile (a 4xx is its right answer).
func request(i int) (string, bool) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	fields := []string{"name", "kind", "status", "district", "planned_area_ha", "investor", "sources", "occupancy_pct"}
	switch i % 20 {
	case 0, 1, 2, 3, 4, 5: // tiles over the seeded province, z6–z12
		z := 6 + r.IntN(7)
		n := 1 << z
		x := int((107.3+180)/360*float64(n)) + r.IntN(max(1, n/64))
		lat := 13.0 + r.Float64()*1.6
		y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * float64(n))
		layer := []string{"districts", "regions", "raw_material_zones", "clusters"}[r.IntN(4)]
		return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y), false
	case 6, 7: // features with property lists and filters
		r.Shuffle(len(fields), func(a, b int) { fields[a], fields[b] = fields[b], fields[a] })
		return fmt.Sprintf("/api/layers/clusters/features?properties=%s&limit=%d", strings.Join(fields[:1+r.IntN(len(fields))], ","), 1+r.IntN(100)), false
	case 8:
		return "/api/layers/districts/features?limit=20&bbox=107.5,13.2,108.8,14.5", false
	case 9:
		return "/api/search?q=" + url.QueryEscape([]string{"chu se", "pleiku", "an khe", "ia grai", "cà phê"}[r.IntN(5)]), false
	case 10:
		return []string{"/api/summary", "/api/analysis/linkage?radius_km=" + strconv.Itoa(10+r.IntN(60)), "/api/sites?min_free_ha=" + strconv.Itoa(r.IntN(50))}[r.IntN(3)], false
	case 11, 12: // OGC items with a distinct CQL2 filter each time
		f := fmt.Sprintf("planned_area_ha > %d AND (status = 'operating' OR name LIKE '%%%c%%')", r.IntN(300), 'a'+r.IntN(26))
		return "/ogc/collections/clusters/items?limit=10&filter=" + url.QueryEscape(f), false
	case 13:
		return "/ogc/collections/districts/items?limit=5&f=json", false
	case 14: // hostile: properties flood (refused by size)
		return "/api/layers/districts/features?limit=10000&properties=" + strings.Repeat("region,", 3000), true
	case 15: // hostile: absurd decimal in CQL2
		return "/ogc/collections/clusters/items?filter=" + url.QueryEscape("planned_area_ha = 0."+strings.Repeat("0", 16400)+"1"), true
	case 16: // hostile: bad bbox, unknown field
		return []string{"/api/layers/clusters/features?bbox=1,2,3", "/api/layers/clusters/features?nope=1", "/tiles/clusters/30/0/0.mvt"}[r.IntN(3)], true
	default: // hostile: nested geometry collections
		return "/ogc/collections/clusters/items?filter=" + url.QueryEscape("S_INTERSECTS(geometry,"+strings.Repeat("GEOMETRYCOLLECTION(", 50)+"POINT(108 14)"+strings.Repeat(")", 50)+")"), true
	}
}

// silentBody announces a body it never sends; the server must close the connection within its
// read timeout. Returns 200 when it did (the answer may come first), 0 when it did not.
func silentBody(addr string) int {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: soak\r\nContent-Length: 10\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(25 * time.Second)) // the default read timeout is 15 s
	if _, err := io.Copy(io.Discard, c); err != nil {
		return 0
	}
	return http.StatusOK
}

// slowReader reads an answer 512 bytes every 20 ms, as a poor mobile link would.
func slowReader(addr, path string) int {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0
	}
	defer c.Close()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n", path)
	_ = c.SetReadDeadline(time.Now().Add(70 * time.Second))
	buf := make([]byte, 512)
	var head []byte
	for {
		n, err := c.Read(buf)
		if len(head) < 12 {
			head = append(head, buf[:n]...)
		}
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(head) >= 12 && strings.HasPrefix(string(head), "HTTP/1.1 ") {
		st, _ := strconv.Atoi(string(head[9:12]))
		return st
	}
	return 0
}

func waitHealthy(client *http.Client, base string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s/healthz did not answer 200 within 30 s", base)
}

// rssMB reads a process's resident set from /proc (Linux).
func rssMB(pid int) float64 { return procStatusMB(pid, "VmRSS:") }

// procStatusMB reads a size field of /proc/PID/status (VmRSS:, VmHWM: the peak resident set).
func procStatusMB(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}

// backendsMB sums the RSS of the server's PostgreSQL backends (application_name clustermap),
// readable when PostgreSQL runs on this host.
func backendsMB(ctx context.Context, db *pgx.Conn) float64 {
	rows, err := db.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = 'clustermap'")
	if err != nil {
		return math.NaN()
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return math.NaN()
	}
	sum := 0.0
	for _, p := range pids {
		if v := rssMB(int(p)); !math.IsNaN(v) {
			sum += v
		}
	}
	return sum
}
