package versions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/replica"
)

// How the watcher keeps its connection honest: a silent connection is probed (and the versions
// re-read) this often, and a lost one is retried with a growing pause.
const (
	watchKeepAlive  = 15 * time.Second
	watchRetryFirst = 100 * time.Millisecond
	watchRetryMax   = 5 * time.Second
)

// watcher follows layer data versions across processes: it LISTENs on Channel on a dedicated
// connection to the primary, re-reads layer_versions whenever it (re)connects, and reconnects
// after failures. What it learns goes to its callbacks, through the read set when there are
// replicas.
type watcher struct {
	store *geo.Store
	log   *slog.Logger
	// synced gets every layer's version, read after LISTEN is in place (so no change between the
	// read and the first notification is missed): after each (re)connection and then periodically
	// as a keep-alive.
	synced func(map[string]int64)
	// changed gets each notified change.
	changed func(layer string, version int64)
	// lost is called when the connection fails: until the next synced, notifications may be missed.
	lost func(error)
}

// run watches until ctx is done.
func (w *watcher) run(ctx context.Context) {
	reads := w.store.ReadSet()
	pause := watchRetryFirst
	for ctx.Err() == nil {
		synced := false
		err := w.once(ctx, &synced)
		if ctx.Err() != nil {
			return
		}
		if reads != nil {
			reads.SetWatch(nil) // what this connection heard and did not publish is dropped
		}
		w.lost(err)
		w.log.Warn("layer version listener lost; the caches are bypassed until it is back", "err", err)
		if synced {
			pause = watchRetryFirst
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, watchRetryMax)
	}
}

func (w *watcher) once(ctx context.Context, synced *bool) error {
	timeout := w.store.Timeout()
	cfg := w.store.Pool().Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "clustermap-listen"
	cctx, cancel := context.WithTimeout(ctx, timeout)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("listen: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if reads := w.store.ReadSet(); reads != nil {
		reads.SetWatch(&replica.Publisher{Synced: w.synced, Changed: w.changed})
	}
	sync := func() error {
		qctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		v, err := read(qctx, conn)
		if err != nil {
			return err
		}
		if err := w.heard(qctx, conn, replica.Pending{All: v}); err != nil {
			return err
		}
		*synced = true
		return nil
	}
	if err := sync(); err != nil {
		return err
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, watchKeepAlive)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			// Quiet for a while: prove the connection is alive, and catch up in case it was not.
			if err := sync(); err != nil {
				return err
			}
			continue
		case err != nil:
			return fmt.Errorf("listen: %w", err)
		}
		layer, ver, ok := strings.Cut(n.Payload, ":")
		v, perr := strconv.ParseInt(ver, 10, 64)
		if !ok || perr != nil {
			w.log.Warn("ignoring malformed layer version notification", "payload", n.Payload)
			continue
		}
		if err := w.heard(ctx, conn, replica.Pending{Layer: layer, Version: v}); err != nil {
			return err
		}
	}
}

// heard hands what the watcher read or was notified of to its callbacks: at once without
// replicas; with them, through the read set once a replica has replayed it (see the package
// comment of geo/replica).
func (w *watcher) heard(ctx context.Context, conn *pgx.Conn, p replica.Pending) error {
	reads := w.store.ReadSet()
	if reads == nil {
		if p.All != nil {
			w.synced(p.All)
		} else {
			w.changed(p.Layer, p.Version)
		}
		return nil
	}
	lsn, err := lsnAfter(ctx, conn)
	if err != nil {
		return err
	}
	p.LSN = lsn
	reads.Enqueue(p)
	return nil
}

// lsnAfter is the primary's flushed WAL position now, on the watcher's connection: read after a
// notification arrived (NOTIFY is delivered after its commit), it is at or past the commit.
func lsnAfter(ctx context.Context, conn *pgx.Conn) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var lsn int64
	if err := conn.QueryRow(ctx, replica.PrimaryLSNSQL).Scan(&lsn); err != nil {
		return 0, fmt.Errorf("listen: wal position: %w", err)
	}
	return uint64(lsn), nil
}
