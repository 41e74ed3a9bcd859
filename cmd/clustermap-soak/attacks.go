package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/workspace"
)

// The attack mix (-attacks) is what anyone may send to the two public POST routes that cost the
// server real work: sign-in (a password hash of 19 MiB and ~30 ms of a core each) and the
// boundary check (spatial joins over up to 10,000 vertices). It runs beside the ordinary mix in
// the second phase of the soak, so that the public GET p99 of both phases can be compared.

// attackKind is one kind of attack request; each has its right answers (rightAnswers).
type attackKind int

const (
	loginSpread        attackKind = iota // wrong passwords for the soak's department user, in parallel, each from a new address
	loginUnknown                         // wrong passwords for made-up names (some with quotes and newlines, for the log)
	loginOneAddress                      // wrong passwords from one address that makes up a new X-Forwarded-For each time
	loginLongName                        // names over the limit in a body under it
	loginHugeBody                        // bodies over 4 KiB: a password of up to 1 MiB, which must never be hashed
	bombSpread                           // boundaries of just under 10,000 vertices, each from a new address
	bombOneAddress                       // the same from the one address with made-up forwarding headers
	bombOversized                        // boundaries over 10,000 vertices
	bombOversizedAlone                   // one, once the flood is over: nothing then stands before its 422
	attackKinds
)

var attackNames = [attackKinds]string{"login-spread", "login-unknown-user", "login-one-address", "login-long-name",
	"login-huge-body", "bomb-spread", "bomb-one-address", "bomb-oversized", "bomb-oversized-alone"}

// attackGroups are the values of -attacks, each a set of kinds.
var attackGroups = map[string][]attackKind{
	"login": {loginSpread, loginUnknown, loginOneAddress, loginLongName, loginHugeBody},
	"bombs": {bombSpread, bombOneAddress, bombOversized, bombOversizedAlone},
}

// attackPlan is the attack schedule's cycle: slot i%len is sent at the i-th tick. A loginSpread
// slot sends loginParallel requests at once.
var attackPlan = []attackKind{loginSpread, loginUnknown, loginUnknown, loginOneAddress, loginOneAddress, loginOneAddress,
	loginLongName, loginHugeBody, bombSpread, bombSpread, bombSpread, bombSpread, bombOneAddress, bombOneAddress,
	bombOneAddress, bombOversized}

const (
	loginParallel = 8
	// oneAddress is the loud attacker, as the deployment's proxy sees it (TEST-NET-3); the spread
	// attacks come from 198.18.0.0/15, one new address per request, as a botnet's would.
	oneAddress = "203.0.113.66"
	// loginWindow is server/workspace's window of MaxLoginFailures (unexported there).
	loginWindow = 15 * time.Minute
	// bombVertices is a valid boundary's size, just under edit.MaxDrawnVertices.
	bombVertices = edit.MaxDrawnVertices - 1
)

// rightAnswers are the statuses each kind may get. A 503 (with Retry-After, checked apart) is
// right for all: the server sheds what it cannot take.
var rightAnswers = [attackKinds][]int{
	loginSpread:        {401, 429, 503},
	loginUnknown:       {401, 429, 503},
	loginOneAddress:    {401, 429, 503},
	loginLongName:      {400, 503},
	loginHugeBody:      {413, 503},
	bombSpread:         {200, 429, 503},
	bombOneAddress:     {200, 429, 503},
	bombOversized:      {422, 429, 503}, // 429 and 503: the rate and the slots come before the shape
	bombOversizedAlone: {422},
}

// attacker sends the attack mix and counts its answers.
type attacker struct {
	base, user        string
	kinds             map[attackKind]bool // those of -attacks
	client            *http.Client
	bomb, oversized   []byte // boundary check bodies, built once
	botnet            atomic.Uint32
	answered          *atomic.Int64 // the attack requests answered so far, for the interval lines
	skipped           atomic.Int64  // slots not sent: the sender already held as many open as it may
	mu                sync.Mutex
	status            [attackKinds]map[int]int // 0: transport error
	noRetryAfter      int                      // 503s without Retry-After
	wrong             []string                 // the first few unexpected answers, for the report
	started, finished time.Time
}

func newAttacker(base, user string, kinds map[attackKind]bool, answered *atomic.Int64) *attacker {
	a := &attacker{base: base, user: user, kinds: kinds, answered: answered,
		// Its own connections, so that the attack does not take the ordinary mix's idle ones.
		client:    &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		bomb:      boundaryBody(bombVertices),
		oversized: boundaryBody(edit.MaxDrawnVertices + 1),
	}
	for k := range a.status {
		a.status[k] = map[int]int{}
	}
	return a
}

// send sends the i-th slot of the attack plan and waits for its answers. A slot of a kind left
// out of -attacks stays empty, so that each kind keeps its rate whatever the others do.
func (a *attacker) send(i int) {
	r := rand.New(rand.NewPCG(uint64(i), 11))
	kind := attackPlan[i%len(attackPlan)]
	if !a.kinds[kind] {
		return
	}
	switch kind {
	case loginSpread:
		var wg sync.WaitGroup
		for j := range loginParallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(100+j))) // a rand.Rand is not safe for concurrent use
				a.do(kind, "/api/session", loginBody(a.user, wrongPassword(r)), a.nextBot(), r)
			}()
		}
		wg.Wait()
	case loginUnknown:
		a.do(kind, "/api/session", loginBody(unknownName(r), wrongPassword(r)), a.nextBot(), r)
	case loginOneAddress:
		a.do(kind, "/api/session", loginBody(a.user, wrongPassword(r)), oneAddress, r)
	case loginLongName:
		a.do(kind, "/api/session", loginBody(longName(r), wrongPassword(r)), a.nextBot(), r)
	case loginHugeBody:
		size := []int{workspace.MaxLoginBody + 1, 64 << 10, 1 << 20}[r.IntN(3)]
		a.do(kind, "/api/session", loginBody(a.user, strings.Repeat("p", size)), a.nextBot(), r)
	case bombSpread:
		a.do(kind, "/api/eligibility", a.bomb, a.nextBot(), r)
	case bombOneAddress:
		a.do(kind, "/api/eligibility", a.bomb, oneAddress, r)
	case bombOversized:
		a.do(kind, "/api/eligibility", a.oversized, a.nextBot(), r)
	}
}

// aftermath sends, once the flood is over, what must then get its own answer.
func (a *attacker) aftermath() {
	if a.kinds[bombOversizedAlone] {
		a.do(bombOversizedAlone, "/api/eligibility", a.oversized, a.nextBot(), rand.New(rand.NewPCG(0, 11)))
	}
}

// parseAttacks reads -attacks: "none", or a comma-separated list of attackGroups' names.
func parseAttacks(s string) (map[attackKind]bool, error) {
	kinds := map[attackKind]bool{}
	if s == "none" || s == "" {
		return kinds, nil
	}
	for _, g := range strings.Split(s, ",") {
		list, ok := attackGroups[strings.TrimSpace(g)]
		if !ok {
			return nil, fmt.Errorf("-attacks %q: want none, or a list of login and bombs", s)
		}
		for _, k := range list {
			kinds[k] = true
		}
	}
	return kinds, nil
}

// do posts body to path as a client at address from, and records the answer.
func (a *attacker) do(kind attackKind, path string, body []byte, from string, r *rand.Rand) {
	req, err := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(body))
	if err != nil {
		panic(err) // a constant URL: cannot fail
	}
	req.Header.Set("Content-Type", "application/json")
	spoof(req.Header, r, from)
	status, retryAfter := 0, false
	if resp, err := a.client.Do(req); err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		status, retryAfter = resp.StatusCode, resp.Header.Get("Retry-After") != ""
	}
	a.record(kind, status, retryAfter)
}

func (a *attacker) record(kind attackKind, status int, retryAfter bool) {
	a.answered.Add(1)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.status[kind][status]++
	if status == http.StatusServiceUnavailable && !retryAfter {
		a.noRetryAfter++
	}
	if !slices.Contains(rightAnswers[kind], status) && len(a.wrong) < 10 {
		a.wrong = append(a.wrong, fmt.Sprintf("%s: %d", attackNames[kind], status))
	}
}

// nextBot is a new address of the botnet (198.18.0.0/15, 131,072 of them).
func (a *attacker) nextBot() string {
	n := a.botnet.Add(1)
	return fmt.Sprintf("198.%d.%d.%d", 18+(n>>16)&1, (n>>8)&255, n&255)
}

// spoof sets the forwarding headers an attacker makes up, as they reach the server through the
// deployment's proxy: deploy/nginx passes them on but appends the address it sees to
// X-Forwarded-For, so from (the attacker's real address) comes last. With the server's default
// trusted proxies (loopback, as make run has it), the soak on 127.0.0.1 stands in for that proxy;
// the made-up part, new on every request, must not count.
func spoof(h http.Header, r *rand.Rand, from string) {
	made := func() string {
		return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
	}
	fake := []string{made(), "127.0.0.1", "::1", "10.0.0." + fmt.Sprint(r.IntN(256)), "unknown", made() + ", " + made(),
		strings.Repeat(made()+", ", 200) + made()}[r.IntN(7)]
	h.Set("X-Forwarded-For", fake+", "+from)
	h.Set("X-Real-IP", made())
	h.Set("Forwarded", "for="+made())
}

func loginBody(user, password string) []byte {
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	return b
}

func wrongPassword(r *rand.Rand) string { return fmt.Sprintf("wrong-%016x", r.Uint64()) }

// unknownName is a name no one has, within the limit; some try to forge a log line.
func unknownName(r *rand.Rand) string {
	return []string{fmt.Sprintf("nobody-%d", r.IntN(1e6)), "admin", "x\n{\"level\":\"ERROR\",\"msg\":\"forged\"}",
		"root\"; DROP TABLE users; --"}[r.IntN(4)]
}

// longName is over workspace.MaxUserName bytes, in a body under workspace.MaxLoginBody; half of
// them are few characters of many bytes.
func longName(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return strings.Repeat("ệ", workspace.MaxUserName/3+1+r.IntN(1000))
	}
	return strings.Repeat("a", workspace.MaxUserName+1+r.IntN(workspace.MaxLoginBody-200-workspace.MaxUserName))
}

// boundaryBody is a boundary check of a new cluster: a circle of ~2 km radius inside the seeded province with
// n vertices, the closing one included (as the server counts them).
func boundaryBody(n int) []byte {
	ring := make([][2]float64, n)
	for k := range n - 1 {
		t := 2 * math.Pi * float64(k) / float64(n-1)
		ring[k] = [2]float64{round6(108.0 + 0.0185*math.Cos(t)), round6(13.98 + 0.018*math.Sin(t))}
	}
	ring[n-1] = ring[0]
	b, _ := json.Marshal(map[string]any{"kind": "new", "geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}}})
	return b
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// floodTarget makes sure the department account the flood guesses at exists. Its password is
// random and thrown away: the flood only ever sends wrong ones. An account left by an earlier
// run is fine as it is.
func floodTarget(ctx context.Context, db *pgx.Conn, bin, dbURL string) (string, error) {
	const name = "soak-department"
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE name = $1)`, name).Scan(&exists); err != nil {
		return "", fmt.Errorf("users: %w", err)
	}
	if exists {
		return name, nil
	}
	cmd := exec.Command(bin, "user", "add", name, "--role", "department")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	cmd.Stdin = strings.NewReader(fmt.Sprintf("%016x%016x\n", rand.Uint64(), rand.Uint64()))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s user add %s: %w: %s", bin, name, err, out)
	}
	return name, nil
}

// attackReport is what the attack phase found.
type attackReport struct {
	requests, noAnswer, skipped, wrong int
	fiveXX, noRetryAfter               int // 5xx other than 503 with Retry-After; of them, 503s without
	oneAddressLogins, loginBound       int // wrong passwords checked for the one address, and its bound
	oneAddressChecks, checkBound       int // boundary checks run for the one address, and its bound
}

// report prints the answers per kind and returns the figures the checks hold to.
func (a *attacker) report(w io.Writer) attackReport {
	a.mu.Lock()
	defer a.mu.Unlock()
	var rep attackReport
	for k := range attackKinds {
		if !a.kinds[k] {
			continue
		}
		codes := make([]int, 0, len(a.status[k]))
		for c, n := range a.status[k] {
			codes = append(codes, c)
			rep.requests += n
			switch {
			case c == 0:
				rep.noAnswer += n
			case c >= 500 && c != http.StatusServiceUnavailable:
				rep.fiveXX += n
			}
		}
		slices.Sort(codes)
		parts := make([]string, 0, len(codes))
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", c, a.status[k][c]))
		}
		fmt.Fprintf(w, "  %-20s %s\n", attackNames[k], strings.Join(parts, "  "))
	}
	rep.noRetryAfter = a.noRetryAfter
	rep.fiveXX += a.noRetryAfter
	rep.skipped = int(a.skipped.Load())
	for k := range attackKinds {
		for c, n := range a.status[k] {
			if !slices.Contains(rightAnswers[k], c) {
				rep.wrong += n
			}
		}
	}
	fmt.Fprintf(w, "  %d attack requests in %v, %d of them from a new address each\n", rep.requests, a.finished.Sub(a.started).Round(time.Second), a.botnet.Load())
	for _, s := range a.wrong {
		fmt.Fprintf(w, "  unexpected answer %s\n", s)
	}
	// Made-up forwarding headers must not help the one address: it gets MaxLoginFailures wrong
	// passwords checked per window, and the boundary checks of its bucket (burst, then the rate).
	span := a.finished.Sub(a.started)
	rep.oneAddressLogins = a.status[loginOneAddress][http.StatusUnauthorized]
	rep.loginBound = workspace.MaxLoginFailures * int(math.Ceil(span.Seconds()/loginWindow.Seconds()))
	rep.oneAddressChecks = a.status[bombOneAddress][http.StatusOK]
	rep.checkBound = workspace.CheckBurst + int(math.Ceil(span.Seconds()*workspace.CheckRate)) + 1
	return rep
}
