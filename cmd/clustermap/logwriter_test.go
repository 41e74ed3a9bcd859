package main

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/clustermap/clustermap/internal/timing"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestBufferedLogFlushesOnTickAndClose(t *testing.T) {
	var out lockedBuffer
	logs := newBufferedLog(&out, 10*time.Millisecond)
	_, _ = logs.Write([]byte("first\n"))
	deadline := time.Now().Add(timing.Patience) // the ticker flushes; how soon depends on the machine
	for out.String() != "first\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed by the ticker: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	slow := newBufferedLog(&out, time.Hour)
	_, _ = slow.Write([]byte("last\n"))
	if out.String() != "first\n" {
		t.Fatalf("written before a flush: %q", out.String())
	}
	slow.Close()
	logs.Close()
	if out.String() != "first\nlast\n" {
		t.Fatalf("Close lost lines: %q", out.String())
	}
}
