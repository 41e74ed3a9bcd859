// Command clustermap-scaletest is `make scale-test`: on this machine, a PostgreSQL primary and a
// streaming replica that applies changes 2 s late (deploy/replica.sh), two `clustermap serve`
// instances reading from the replica, and Debian's nginx in front of them with the reference
// configuration (deploy/nginx/clustermap.conf). Under read load through nginx it
//
//	(a) edits a cluster three times and checks that no answer pairs an ETag with two contents (a
//	    new ETag on old data, or an old one on new data), and that every instance serves each new
//	    name within the apply delay + 1 s and never the older one after;
//	(b) kills one instance and counts failed GETs (target 0);
//	(c) stops the replica, then starts it again: reads move to the primary and back, no 5xx;
//	(d) measures throughput through nginx with two instances and with one.
//
// It removes what it made (the replica cluster and its slot, nginx, the instances, its database)
// on exit, and exits 1 when a check fails. Every listener is on 127.0.0.1; load is bounded by
// -conns and -phase.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

var (
	binPath     = flag.String("clustermap", "bin/clustermap", "the clustermap binary")
	nginxPath   = flag.String("nginx", "nginx", "the nginx binary")
	replicaPort = flag.Int("replica-port", 5433, "port of the replica cluster")
	applyDelay  = flag.Duration("apply-delay", 2*time.Second, "the replica's recovery_min_apply_delay")
	phase       = flag.Duration("phase", 6*time.Second, "length of each load phase")
	conns       = flag.Int("conns", 16, "concurrent clients of the load")
)

const (
	dbName      = "clustermap_scaletest"
	replicaName = "scaletest"
	replicaSh   = "deploy/replica.sh"
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	t := &test{ctx: ctx}
	err := t.run()
	stop()
	t.cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale-test:", err)
		os.Exit(1)
	}
	if len(t.failures) > 0 {
		fmt.Println("\nFAILED:")
		for _, f := range t.failures {
			fmt.Println("  -", f)
		}
		os.Exit(1)
	}
	fmt.Println("\nscale-test: all checks passed")
}

type test struct {
	ctx      context.Context
	undo     []func()
	failures []string

	adminURL, dbURL, replicaURL string
	instances                   []*instance
	nginxCmd                    *exec.Cmd
	lbBoth, lbOne               string // nginx in front of both instances, of the first only
	client                      *http.Client
}

func (t *test) check(ok bool, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if ok {
		fmt.Println("  ok:", msg)
		return
	}
	fmt.Println("  FAIL:", msg)
	t.failures = append(t.failures, msg)
}

func (t *test) cleanup() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
}

func (t *test) run() error {
	t.adminURL = os.Getenv("DATABASE_URL")
	if t.adminURL == "" {
		return errors.New("DATABASE_URL is not set (make scale-test sets it)")
	}
	t.client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: 4 * *conns, DisableCompression: true,
	}}
	if err := t.setupDatabase(); err != nil {
		return err
	}
	if err := t.setupReplica(); err != nil {
		return err
	}
	for range 2 {
		in, err := t.newInstance()
		if err != nil {
			return err
		}
		t.instances = append(t.instances, in)
	}
	if err := t.startNginx(); err != nil {
		return err
	}
	fmt.Printf("topology: primary 127.0.0.1:5432 · replica 127.0.0.1:%d (apply delay %v) · instances %s, %s · nginx %s (both), %s (first only)\n",
		*replicaPort, *applyDelay, t.instances[0].addr, t.instances[1].addr, t.lbBoth, t.lbOne)
	if err := t.waitReplicaUsed(); err != nil {
		return err
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"(a) edits under read load: versions and lag", t.phaseEdits},
		{"(b) one instance killed under load", t.phaseKill},
		{"(c) replica stopped and restarted under load", t.phaseReplicaFault},
		{"(d) throughput through nginx", t.phaseThroughput},
	}
	for _, s := range steps {
		if t.ctx.Err() != nil {
			return t.ctx.Err()
		}
		fmt.Println("\n" + s.name)
		if err := s.fn(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// setupDatabase makes a seeded database of the test's own (edits must not touch the service's).
func (t *test) setupDatabase() error {
	conn, err := pgx.Connect(t.ctx, t.adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	drop := func() {
		c, err := pgx.Connect(context.Background(), t.adminURL)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
			c.Close(context.Background())
		}
	}
	drop()
	if _, err := conn.Exec(t.ctx, "CREATE DATABASE "+dbName+" TEMPLATE clustermap_template"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	t.undo = append(t.undo, drop)
	u, _ := url.Parse(t.adminURL)
	u.Path = "/" + dbName
	t.dbURL = u.String()
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(*replicaPort))
	t.replicaURL = u.String()
	cmd := exec.CommandContext(t.ctx, *binPath, "seed")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+t.dbURL)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("seed: %w\n%s", err, lastLines(out, 5))
	}
	return nil
}

func (t *test) setupReplica() error {
	_ = exec.Command(replicaSh, "down", replicaName).Run() // left by an interrupted run
	t.undo = append(t.undo, func() {
		if out, err := exec.Command(replicaSh, "down", replicaName).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "replica down: %v\n%s", err, out)
		}
	})
	start := time.Now()
	out, err := exec.CommandContext(t.ctx, replicaSh, "up", replicaName, strconv.Itoa(*replicaPort), applyDelay.String()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("replica up: %w\n%s", err, out)
	}
	fmt.Printf("%s(pg_basebackup and start: %v)\n", out, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// instance is one `clustermap serve` process.
type instance struct {
	addr string
	cmd  *exec.Cmd
	log  *os.File
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (t *test) newInstance() (*instance, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	in := &instance{addr: addr}
	t.undo = append(t.undo, in.kill)
	return in, t.start(in)
}

func (t *test) start(in *instance) error {
	logf, err := os.CreateTemp("", "clustermap-scaletest-*.log")
	if err != nil {
		return err
	}
	in.log = logf
	in.cmd = exec.Command(*binPath, "serve")
	in.cmd.Env = append(os.Environ(), "DATABASE_URL="+t.dbURL, "CLUSTERMAP_READ_DATABASE_URL="+t.replicaURL,
		"CLUSTERMAP_ADDR="+in.addr, "CLUSTERMAP_MAX_REPLICA_LAG=5s", "CLUSTERMAP_MAX_IN_FLIGHT=256")
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		return err
	}
	for range 200 {
		if resp, err := t.client.Get("http://" + in.addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("instance %s did not become healthy (log %s)", in.addr, logf.Name())
}

// kill ends the instance at once (SIGKILL: no draining), as a crash would.
func (in *instance) kill() {
	if in.cmd != nil && in.cmd.Process != nil && in.cmd.ProcessState == nil {
		_ = in.cmd.Process.Kill()
		_ = in.cmd.Wait()
	}
	if in.log != nil {
		in.log.Close()
		os.Remove(in.log.Name())
		in.log = nil
	}
}

// startNginx runs nginx in the foreground with the reference site file, its upstream and listen
// ports replaced, plus a second server of the same settings in front of the first instance only.
func (t *test) startNginx() error {
	site, err := os.ReadFile("deploy/nginx/clustermap.conf")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "clustermap-nginx-")
	if err != nil {
		return err
	}
	t.undo = append(t.undo, func() { os.RemoveAll(dir) })
	if t.lbBoth, err = freePort(); err != nil {
		return err
	}
	if t.lbOne, err = freePort(); err != nil {
		return err
	}
	s := string(site)
	s = strings.Replace(s, "server 127.0.0.1:8081", "server "+t.instances[0].addr, 1)
	s = strings.Replace(s, "server 127.0.0.1:8082", "server "+t.instances[1].addr, 1)
	s = strings.Replace(s, "listen 80;", "listen "+t.lbBoth+";", 1)
	one := strings.Replace(string(site), "upstream clustermap {", "upstream clustermap_one {", 1)
	one = strings.Replace(one, "server 127.0.0.1:8081", "server "+t.instances[0].addr, 1)
	one = strings.Replace(one, "    server 127.0.0.1:8082 max_fails=3 fail_timeout=10s;\n", "", 1)
	one = strings.Replace(one, "proxy_pass http://clustermap;", "proxy_pass http://clustermap_one;", 1)
	one = strings.Replace(one, "listen 80;", "listen "+t.lbOne+";", 1)
	if !strings.Contains(s, t.lbBoth) || strings.Contains(one, "8082") {
		return errors.New("deploy/nginx/clustermap.conf no longer has the upstream and listen lines this test replaces")
	}
	for _, d := range []string{"tmp", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o777); err != nil {
			return err
		}
	}
	conf := fmt.Sprintf(`worker_processes 2;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    include %[1]s/both.conf;
    include %[1]s/one.conf;
}
`, dir)
	for name, body := range map[string]string{"nginx.conf": conf, "both.conf": s, "one.conf": one} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	_ = os.Chmod(dir, 0o755)
	cmd := exec.Command(*nginxPath, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("nginx: %w", err)
	}
	t.nginxCmd = cmd
	t.undo = append(t.undo, func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT) // graceful; the master takes its workers along
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	for range 100 {
		if resp, err := t.client.Get("http://" + t.lbBoth + "/healthz"); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("nginx did not answer: %s", stderr.String())
}

// waitReplicaUsed waits until the instances read from the replica (its sessions of
// application_name clustermap-read exist).
func (t *test) waitReplicaUsed() error {
	for range 100 {
		if n := t.replicaReaders(); n > 0 {
			return nil
		}
		_, _ = t.get("http://" + t.lbBoth + "/api/layers/clusters/features?limit=1")
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the instances never read from the replica")
}

func (t *test) replicaReaders() int {
	c, err := pgx.Connect(t.ctx, t.replicaURL)
	if err != nil {
		return -1
	}
	defer c.Close(context.Background())
	var n int
	_ = c.QueryRow(t.ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'clustermap-read'").Scan(&n)
	return n
}

// xacts is the database's committed transactions on the server of url (a replica counts its
// read-only ones): where the reads went.
func (t *test) xacts(dbURL string) int64 {
	c, err := pgx.Connect(t.ctx, dbURL)
	if err != nil {
		return -1
	}
	defer c.Close(context.Background())
	var n int64
	_ = c.QueryRow(t.ctx, "SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database WHERE datname = $1", dbName).Scan(&n)
	return n
}

type answer struct {
	status int
	etag   string
	body   []byte
	gz     bool
	err    error
}

func (t *test) get(u string, header ...string) (answer, error) {
	req, err := http.NewRequestWithContext(t.ctx, http.MethodGet, u, nil)
	if err != nil {
		return answer{}, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return answer{err: err}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, etag: resp.Header.Get("ETag"), body: body, gz: resp.Header.Get("Content-Encoding") == "gzip", err: err}, err
}

// phaseEdits: readers through nginx and a poller per instance while a cluster is renamed three
// times on the primary.
func (t *test) phaseEdits() error {
	db, err := pgx.Connect(t.ctx, t.dbURL)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())
	var id int64
	var lon, lat float64
	var name0 string
	if err := db.QueryRow(t.ctx, `SELECT id, name, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
		FROM clusters ORDER BY id LIMIT 1`).Scan(&id, &name0, &lon, &lat); err != nil {
		return err
	}
	tc := geo.TileAt(12, lon, lat)
	tilePath := fmt.Sprintf("/tiles/clusters/%d/%d/%d.mvt", tc.Z, tc.X, tc.Y)
	featurePath := fmt.Sprintf("/api/layers/clusters/features/%d", id)
	names := []string{name0}
	for i := 1; i <= 3; i++ {
		names = append(names, fmt.Sprintf("Scale test edit %d %d", i, time.Now().UnixNano()))
	}
	// which is the index of the name a body holds (-1: none).
	which := func(b []byte) int {
		for i := len(names) - 1; i >= 0; i-- {
			if bytes.Contains(b, []byte(names[i])) {
				return i
			}
		}
		return -1
	}
	var mu sync.Mutex
	etagNames := map[string]map[int]bool{} // tile ETag → names seen under it
	var answers, failed, regress atomic.Int64
	writes := make([]time.Time, len(names))
	firstSeen := make([][]time.Duration, len(t.instances)) // [instance][edit]
	for i := range firstSeen {
		firstSeen[i] = make([]time.Duration, len(names))
	}
	ctx, cancel := context.WithCancel(t.ctx)
	var wg sync.WaitGroup
	for c := range *conns / 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				path := tilePath
				if c%2 == 1 {
					path = featurePath
				}
				a, err := t.get("http://" + t.lbBoth + path)
				if ctx.Err() != nil {
					return
				}
				answers.Add(1)
				if err != nil || a.status != http.StatusOK {
					failed.Add(1)
					continue
				}
				if path == tilePath {
					mu.Lock()
					if etagNames[a.etag] == nil {
						etagNames[a.etag] = map[int]bool{}
					}
					etagNames[a.etag][which(a.body)] = true
					mu.Unlock()
				}
			}
		}()
	}
	for i, in := range t.instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for ctx.Err() == nil {
				for _, path := range []string{tilePath, featurePath} {
					a, err := t.get("http://" + in.addr + path)
					if err != nil || a.status != http.StatusOK {
						continue
					}
					n := which(a.body)
					mu.Lock()
					if n > 0 && firstSeen[i][n] == 0 && !writes[n].IsZero() {
						firstSeen[i][n] = time.Since(writes[n])
					}
					mu.Unlock()
					if n < last {
						regress.Add(1)
					}
					last = max(last, n)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	gap := *applyDelay + 2*time.Second
	time.Sleep(time.Second)
	for n := 1; n < len(names); n++ {
		mu.Lock()
		writes[n] = time.Now()
		mu.Unlock()
		if _, err := db.Exec(t.ctx, "UPDATE clusters SET name = $1 WHERE id = $2", names[n], id); err != nil {
			cancel()
			wg.Wait()
			return err
		}
		time.Sleep(gap)
	}
	cancel()
	wg.Wait()
	mixed := 0
	for etag, seen := range etagNames {
		if len(seen) > 1 {
			mixed++
			fmt.Printf("    ETag %s served with names %v\n", etag, slices.Sorted(maps.Keys(seen)))
		}
	}
	fmt.Printf("  %d answers through nginx during 3 edits, %d distinct tile ETags\n", answers.Load(), len(etagNames))
	t.check(mixed == 0, "no tile ETag served with two contents (%d did)", mixed)
	t.check(failed.Load() == 0, "no failed request through nginx (%d)", failed.Load())
	t.check(regress.Load() == 0, "no instance served an older name after a newer one (%d times)", regress.Load())
	limit := *applyDelay + time.Second
	for i := range t.instances {
		worst := time.Duration(0)
		for n := 1; n < len(names); n++ {
			d := firstSeen[i][n]
			if d == 0 {
				worst = -1
				break
			}
			worst = max(worst, d)
		}
		t.check(worst > 0 && worst <= limit, "instance %d served every edit within %v (slowest %v; -1: one never)", i+1, limit, worst.Round(time.Millisecond))
	}
	return nil
}

// load runs the mixed read workload against base for d with n clients and reports counts and
// latencies; during it, at each offset in events, the event runs.
type loadResult struct {
	ok, failed, status5xx int64
	gz                    int64
	lat                   []time.Duration
	elapsed               time.Duration
}

func (r loadResult) String() string {
	slices.Sort(r.lat)
	q := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[int(p*float64(len(r.lat)-1))]
	}
	return fmt.Sprintf("%d ok, %d failed (%d 5xx) in %v: %.0f req/s, p50 %v, p99 %v",
		r.ok, r.failed, r.status5xx, r.elapsed.Round(time.Millisecond), float64(r.ok)/r.elapsed.Seconds(),
		q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond))
}

type event struct {
	at time.Duration
	fn func()
}

// Workloads: paths the readers draw from.
func tilePaths() []string {
	var out []string
	for z := 8; z <= 12; z++ {
		for _, t := range geo.TilesCovering(geo.BBox{MinLon: 107.6, MinLat: 13.0, MaxLon: 109.3, MaxLat: 14.6}, z) {
			for _, l := range []string{"districts", "clusters", "raw_material_zones"} {
				out = append(out, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", l, t.Z, t.X, t.Y))
			}
		}
	}
	return out
}

func featurePaths() []string {
	var out []string
	for off := 0; off < 40; off += 5 {
		out = append(out, fmt.Sprintf("/api/layers/clusters/features?limit=5&offset=%d", off),
			fmt.Sprintf("/api/layers/districts/features?limit=2&offset=%d&properties=name", off/5))
	}
	return append(out, "/api/search?q=Gia", "/api/search?q=An", "/api/layers")
}

func (t *test) load(base string, paths []string, n int, d time.Duration, events ...event) loadResult {
	ctx, cancel := context.WithTimeout(t.ctx, d)
	defer cancel()
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var ok, failed, s5, gz int64
			for ctx.Err() == nil {
				p := paths[rand.IntN(len(paths))]
				t0 := time.Now()
				a, err := t.get("http://"+base+p, "Accept-Encoding", "gzip")
				if ctx.Err() != nil && err != nil {
					break // the phase ended mid-request
				}
				switch {
				case err != nil:
					failed++
				case a.status >= 500:
					failed++
					s5++
				case a.status != http.StatusOK && a.status != http.StatusNoContent:
					failed++
				default:
					ok++
					lat = append(lat, time.Since(t0))
					if a.gz {
						gz++
					}
				}
			}
			mu.Lock()
			res.ok, res.failed, res.status5xx, res.gz = res.ok+ok, res.failed+failed, res.status5xx+s5, res.gz+gz
			res.lat = append(res.lat, lat...)
			mu.Unlock()
		}()
	}
	for _, e := range events {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(e.at):
				e.fn()
			case <-ctx.Done():
			}
		}()
	}
	wg.Wait()
	res.elapsed = min(time.Since(start), d)
	return res
}

func (t *test) phaseKill() error {
	paths := append(tilePaths(), featurePaths()...)
	victim := t.instances[1]
	res := t.load(t.lbBoth, paths, *conns, *phase, event{at: *phase / 3, fn: func() {
		fmt.Printf("  killing instance 2 (%s) with SIGKILL at %v\n", victim.addr, *phase/3)
		victim.kill()
	}})
	fmt.Println(" ", res)
	t.check(res.failed == 0, "no GET failed through nginx while an instance died (%d failed)", res.failed)
	if err := t.start(victim); err != nil {
		return err
	}
	fmt.Println("  instance 2 restarted")
	return nil
}

func (t *test) phaseReplicaFault() error {
	paths := featurePaths() // every one of them reads the database
	before := t.xacts(t.dbURL)
	res := t.load(t.lbBoth, paths, *conns, *phase+2*time.Second,
		event{at: *phase / 3, fn: func() {
			fmt.Println("  stopping the replica (fast: its sessions are cut)")
			if out, err := exec.Command(replicaSh, "stop", replicaName).CombinedOutput(); err != nil {
				fmt.Printf("  replica stop: %v %s\n", err, out)
			}
		}},
		event{at: *phase/3 + 2*time.Second, fn: func() {
			fmt.Println("  starting the replica again")
			if out, err := exec.Command(replicaSh, "start", replicaName).CombinedOutput(); err != nil {
				fmt.Printf("  replica start: %v %s\n", err, out)
			}
		}})
	fmt.Println(" ", res)
	t.check(res.status5xx == 0 && res.failed == 0, "no 5xx or failure while the replica stopped and came back (%d 5xx, %d failed)", res.status5xx, res.failed)
	t.check(t.xacts(t.dbURL)-before > 100, "reads moved to the primary while the replica was down (%d primary transactions)", t.xacts(t.dbURL)-before)
	// Back in the read set: reads reach the replica again.
	back := false
	for range 50 {
		r0 := t.xacts(t.replicaURL)
		t.load(t.lbBoth, paths, 4, 300*time.Millisecond)
		if r1 := t.xacts(t.replicaURL); r0 >= 0 && r1-r0 > 50 {
			back = true
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.check(back, "reads went back to the restarted replica")
	return nil
}

func (t *test) phaseThroughput() error {
	type workload struct {
		name  string
		paths []string
	}
	for _, w := range []workload{{"tiles z8–z12 (3 layers, cached after the first pass)", tilePaths()}, {"/api features and search (database every request)", featurePaths()}} {
		t.load(t.lbBoth, w.paths, *conns, time.Second) // warm both instances' caches
		fmt.Printf("  %s, %d clients:\n", w.name, 2**conns)
		for _, lb := range []struct{ name, addr string }{{"two instances", t.lbBoth}, {"one instance ", t.lbOne}} {
			p0, r0 := t.xacts(t.dbURL), t.xacts(t.replicaURL)
			res := t.load(lb.addr, w.paths, 2**conns, *phase)
			p1, r1 := t.xacts(t.dbURL), t.xacts(t.replicaURL)
			fmt.Printf("    %s: %v; gzip answers %d; transactions primary %d, replica %d\n", lb.name, res, res.gz, p1-p0, r1-r0)
			t.check(res.failed == 0, "%s: no failed request (%d)", lb.name, res.failed)
		}
	}
	return nil
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
