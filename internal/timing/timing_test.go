package timing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

type fakeTB struct{ logs, errs []string }

func (f *fakeTB) Helper() {}
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestAFigureFailsOnlyWhenStrict(t *testing.T) {
	for _, strict := range []string{"", "1"} {
		t.Run("BENCH_STRICT="+strict, func(t *testing.T) {
			t.Setenv("BENCH_STRICT", strict)
			var f fakeTB
			Check(&f, "fast", time.Millisecond, time.Second)
			Check(&f, "slow", 2*time.Second, time.Second)
			if len(f.errs) != len(strict) || len(f.logs)+len(f.errs) != 2 {
				t.Errorf("errors %q, logs %q", f.errs, f.logs)
			}
			var ts Targets
			ts.AtMost("p99_ms", 80, 50, "ms")
			ts.AtLeast("ratio", 3, 2, "x")
			var out strings.Builder
			err := ts.Report(&out)
			if (err != nil) != (strict == "1") || !strings.Contains(out.String(), "MISSED") || strings.Count(out.String(), ": met") != 1 {
				t.Errorf("report: %v\n%s", err, out.String())
			}
		})
	}
}
