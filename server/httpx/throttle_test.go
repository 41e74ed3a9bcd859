package httpx

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
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

// TestSlots: max holders at once; the next waits its time and is answered 503 with Retry-After
// and the busy message; a released slot is taken again; a client that left gets no answer.
func TestSlots(t *testing.T) {
	slots := NewSlots(2, 10*time.Millisecond, "too many things at once")
	take := func(ctx context.Context) (*httptest.ResponseRecorder, *gin.Context, func(), bool) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodPost, "/", nil).WithContext(ctx)
		release, ok := slots.Take(c)
		return w, c, release, ok
	}
	_, _, r1, ok1 := take(context.Background())
	_, _, r2, ok2 := take(context.Background())
	if !ok1 || !ok2 {
		t.Fatal("two slots, two holders refused")
	}
	w, c, _, ok := take(context.Background())
	if ok || !c.IsAborted() || w.Header().Get("Retry-After") == "" || len(c.Errors) != 1 {
		t.Fatalf("a third holder: ok %v, aborted %v, Retry-After %q, errors %v", ok, c.IsAborted(), w.Header().Get("Retry-After"), c.Errors)
	}
	if status, msg := StatusOf(c.Errors.Last().Err); status != http.StatusServiceUnavailable || msg != "too many things at once" {
		t.Fatalf("a third holder is answered %d %q", status, msg)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, c, _, ok := take(gone); ok || len(c.Errors) != 0 {
		t.Fatalf("a client that left: ok %v, errors %v", ok, c.Errors)
	}
	r1()
	_, _, r3, ok := take(context.Background())
	if !ok {
		t.Fatal("a released slot is not taken again")
	}
	r2()
	r3()
}

// Named views share one budget: sign-ins and checks draw on the same slots, each refused in its
// own words.
func TestNamedSlotsShareOneBudget(t *testing.T) {
	costly := NewSlots(1, 10*time.Millisecond, "")
	signIns, checks := costly.Named("too many sign-ins"), costly.Named("too many checks")
	ctx := func() *gin.Context {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
		return c
	}
	release, ok := signIns.Take(ctx())
	if !ok {
		t.Fatal("the one slot refused")
	}
	c := ctx()
	if _, ok := checks.Take(c); ok {
		t.Fatal("a check took a slot a sign-in holds: the budgets are not shared")
	}
	if _, msg := StatusOf(c.Errors.Last().Err); msg != "too many checks" {
		t.Fatalf("the check is refused with %q", msg)
	}
	release()
	if r, ok := checks.Take(ctx()); !ok {
		t.Fatal("the released slot is not the check's")
	} else {
		r()
	}
}
