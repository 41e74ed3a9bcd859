package httpx

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	th := NewThrottle(0.5, 3, 2)
	steps := []struct {
		at     time.Duration
		client string
		want   bool
	}{
		{0, "a", true}, {0, "a", true}, {0, "a", true}, // the burst
		{0, "a", false},               // then nothing until a token comes back
		{0, "b", true},                // another address has its own bucket
		{1 * time.Second, "a", false}, // half a token
		{2 * time.Second, "a", true},  // one token after 2 s at 0.5/s
		{2 * time.Second, "a", false}, // and only one
		{2 * time.Second, "c", true},  // a third address: the oldest (b) is forgotten
		{2 * time.Second, "b", true},  // b starts again with a full bucket
	}
	for i, s := range steps {
		wait, ok := th.allow(s.client, now.Add(s.at))
		if ok != s.want {
			t.Fatalf("step %d (%s at %v): allowed %v, want %v", i, s.client, s.at, ok, s.want)
		}
		if !ok && wait <= 0 {
			t.Errorf("step %d: refused with no wait", i)
		}
	}
	if n := th.clients.Len(); n > 2 {
		t.Errorf("the throttle remembers %d addresses, at most 2 were allowed", n)
	}
}

func BenchmarkThrottleManyClients(b *testing.B) {
	th := NewThrottle(0.5, 10, 10000)
	now := time.Now()
	for i := range b.N {
		th.allow(fmt.Sprint(i%50000), now)
	}
}
