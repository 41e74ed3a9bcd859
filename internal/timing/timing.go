// Package timing is what the tests and the load tests do with time. A test asserts what the code
// guarantees — an answer, an order the code enforces — and never how long it took: a time limit
// measures the machine (a busy 2-core runner fails it, a fast one passes), so a test reports its
// figures with t.Logf and waits up to Patience for what must happen. Figures are held to their
// targets by `make bench` and `make soak`, which print them and fail on a missed target only when
// asked, with BENCH_STRICT=1.
package timing

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Patience is how long a test waits for something the code guarantees (a notification, a server
// up, a page ready) before calling it never. A wait returns as soon as its condition holds, so a
// long one costs nothing when the code works, and a machine at a load of 10 is still in time.
const Patience = 2 * time.Minute

// Strict reports whether missed targets fail: BENCH_STRICT=1 (make bench, make soak, and the
// figure tests they run). make test clears it.
func Strict() bool { return os.Getenv("BENCH_STRICT") == "1" }

// TB is the part of testing.TB that Check uses (so that the load-test commands need not link the
// testing package).
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
}

// Check logs a measured time beside its target, in a test; only when Strict does a figure over
// its target fail the test.
func Check(tb TB, what string, got, target time.Duration) {
	tb.Helper()
	if got > target {
		if Strict() {
			tb.Errorf("%s: %v, target ≤ %v (BENCH_STRICT=1)", what, got.Round(time.Millisecond), target)
			return
		}
		tb.Logf("%s: %v, over the target ≤ %v (a figure: fails only with BENCH_STRICT=1)", what, got.Round(time.Millisecond), target)
		return
	}
	tb.Logf("%s: %v (target ≤ %v)", what, got.Round(time.Millisecond), target)
}

// Targets collects a load test's figures against their targets.
type Targets struct{ list []target }

type target struct {
	name         string
	got, limit   float64
	unit         string
	atLeast, met bool
}

// AtMost records a figure whose target is a ceiling (a latency, a size).
func (ts *Targets) AtMost(name string, got, limit float64, unit string) {
	ts.list = append(ts.list, target{name: name, got: got, limit: limit, unit: unit, met: got <= limit})
}

// AtLeast records a figure whose target is a floor (a throughput ratio).
func (ts *Targets) AtLeast(name string, got, limit float64, unit string) {
	ts.list = append(ts.list, target{name: name, got: got, limit: limit, unit: unit, atLeast: true, met: got >= limit})
}

// Report prints every figure against its target and returns an error naming the missed ones when
// Strict, nil otherwise.
func (ts *Targets) Report(w io.Writer) error {
	var missed []string
	for _, t := range ts.list {
		op, verdict := "<=", "met"
		if t.atLeast {
			op = ">="
		}
		if !t.met {
			verdict = "MISSED"
			missed = append(missed, t.name)
		}
		fmt.Fprintf(w, "  target %-44s %10.3f %-4s (%s %g): %s\n", t.name, t.got, t.unit, op, t.limit, verdict)
	}
	switch {
	case len(missed) == 0:
		return nil
	case Strict():
		return fmt.Errorf("%d target(s) missed (BENCH_STRICT=1): %s", len(missed), strings.Join(missed, ", "))
	default:
		fmt.Fprintf(w, "  %d target(s) missed; figures only (BENCH_STRICT=1 makes a missed target fail)\n", len(missed))
		return nil
	}
}
