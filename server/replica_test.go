package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/timing"
)

// replicaApplyDelay makes replication lag visible: the replica applies each commit 2 s late.
const replicaApplyDelay = 2 * time.Second

// startReplica sets up a streaming replica of the test PostgreSQL as a cluster of its own
// (deploy/replica.sh: pg_basebackup, standby.signal, recovery_min_apply_delay) and drops it when
// the test ends. It returns the replica's port.
func startReplica(t *testing.T, delay time.Duration) int {
	t.Helper()
	if testing.Short() {
		t.Skip("a streaming replica is a PostgreSQL cluster of its own, minutes to set up: not under -short")
	}
	if os.Geteuid() != 0 {
		t.Fatal("the replica test creates a PostgreSQL cluster: run it as root (make test does)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "gotest_" + hex.EncodeToString(b)
	script := "../deploy/replica.sh"
	t.Cleanup(func() {
		if out, err := exec.Command(script, "down", name).CombinedOutput(); err != nil {
			t.Errorf("replica down: %v\n%s", err, out)
		}
	})
	if out, err := exec.Command(script, "up", name, strconv.Itoa(port), delay.String()).CombinedOutput(); err != nil {
		t.Fatalf("replica up: %v\n%s", err, out)
	}
	return port
}

func withPort(t *testing.T, dbURL string, port int) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	return u.String()
}

// TestReplicaLagNoStaleVersion: two instances read from a streaming replica that applies changes
// 2 s late. After a write on the primary, no instance ever serves a tile whose ETag names the new
// version with the old data (nor one ETag with two bodies); an answer given before the replica
// can have applied the write shows the old data; each instance comes to serve the new data, and
// never the old again once it has served the new; an editor (a request with credentials) sees the
// edit at once. How soon after the lag the new data shows is a figure, logged here and held to
// "within the lag and 1 s" by make scale-test. Then the replica stops: reads move to the primary
// without an error, and come back when it is started again.
func TestReplicaLagNoStaleVersion(t *testing.T) {
	ctx := context.Background()
	_, dbURL := geotest.Seeded(t)
	port := startReplica(t, replicaApplyDelay)
	replicaURL := withPort(t, dbURL, port)
	// The test database was created before the base backup, so the replica has it already.
	primary, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close(ctx)

	var id int64
	var lon, lat float64
	var oldName string
	if err := primary.QueryRow(ctx, `SELECT id, name, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
		FROM clusters ORDER BY id LIMIT 1`).Scan(&id, &oldName, &lon, &lat); err != nil {
		t.Fatal(err)
	}
	tc := geo.TileAt(12, lon, lat)

	var urls []string
	var servers []*Server
	var stores []*geo.Store
	for range 2 {
		// A lag limit far above the apply delay: a busy machine's replica may fall seconds behind,
		// and only the stopped replica below is meant to leave the read set.
		store, err := geo.Open(ctx, geo.DBConfig{URL: dbURL, ReadURLs: []string{replicaURL}, MaxReplicaLag: time.Minute,
			StatementTimeout: 10 * time.Second}, geo.DefaultCatalog(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(store.Close)
		ts, _ := NewTestServer(t, OnStore(store))
		urls, servers, stores = append(urls, ts.URL), append(servers, ts.Server), append(stores, store)
	}
	waitUntil(t, "the replica in the read set", func() bool {
		for _, s := range stores {
			if st := s.ReplicaStatus(); len(st) != 1 || !st[0].Healthy {
				return false
			}
		}
		return true
	})
	tilePath := fmt.Sprintf("/tiles/clusters/%d/%d/%d.mvt", tc.Z, tc.X, tc.Y)
	featurePath := fmt.Sprintf("/api/layers/clusters/features/%d", id)
	// Warm both caches with the old tile and note its ETag.
	oldETag := ""
	for _, u := range urls {
		resp, body := Fetch(t, http.MethodGet, u+tilePath)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(oldName)) {
			t.Fatalf("%s: %d, the tile lacks %q", u, resp.StatusCode, oldName)
		}
		if oldETag != "" && resp.Header.Get("ETag") != oldETag {
			t.Fatalf("instances disagree on the ETag: %s, %s", oldETag, resp.Header.Get("ETag"))
		}
		oldETag = resp.Header.Get("ETag")
	}
	oldVersion, _ := servers[0].versions.Of("clusters")
	defer func() {
		// Published once the replica replayed it: the version the caches key on moved on.
		if v, _ := servers[0].versions.Of("clusters"); !t.Failed() && v == oldVersion {
			t.Errorf("the clusters version never moved past %d", v)
		}
	}()

	// An editor, signed in with a token and with a session (the primary keeps both).
	ed := edit.New(stores[0], slog.New(slog.DiscardHandler))
	if err := ed.AddUser(ctx, "editor", edit.RoleDepartment, "", "a long enough password"); err != nil {
		t.Fatal(err)
	}
	token, err := ed.NewToken(ctx, "editor")
	if err != nil {
		t.Fatal(err)
	}
	session, _, _, err := ed.Login(ctx, "editor", "a long enough password")
	if err != nil {
		t.Fatal(err)
	}

	newName := "Replica lag test " + strconv.FormatInt(time.Now().UnixNano(), 36)
	// The commit comes after this instant, so the replica applies it no sooner than
	// replicaApplyDelay after it: an answer finished before then cannot show the new data.
	beforeWrite := time.Now()
	if _, err := primary.Exec(ctx, `UPDATE clusters SET name = $1 WHERE id = $2`, newName, id); err != nil {
		t.Fatal(err)
	}
	wrote := time.Now()

	// Read-your-writes: a signed-in request reads from the primary and skips the published
	// versions, so the editor sees the edit at once.
	resp, body := Fetch(t, http.MethodGet, urls[0]+tilePath, "Authorization", "Bearer "+token)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(newName)) {
		t.Fatalf("an editor's next tile request lacks the edit: %d", resp.StatusCode)
	}
	_, body = Fetch(t, http.MethodGet, urls[1]+featurePath, "Cookie", "clustermap_session="+session)
	if !bytes.Contains(body, []byte(newName)) {
		t.Fatalf("an editor's next feature request lacks the edit: %s", body)
	}

	// Poll both instances through the lag. Every ETag must name one body; the old ETag only the old
	// data; once an instance answered the new data it never answers the old again.
	etagNew := map[string]bool{oldETag: false}
	firstNew := make([]time.Duration, len(urls))
	apiNew := make([]bool, len(urls))
	sawOldAfter, answeredInLag := false, false
	for time.Since(wrote) < replicaApplyDelay+timing.Patience {
		done := true
		for i, u := range urls {
			resp, body := Fetch(t, http.MethodGet, u+tilePath)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s%s: %d", u, tilePath, resp.StatusCode)
			}
			answeredInLag = answeredInLag || time.Since(beforeWrite) < replicaApplyDelay
			etag, isNew := resp.Header.Get("ETag"), bytes.Contains(body, []byte(newName))
			if !isNew && !bytes.Contains(body, []byte(oldName)) {
				t.Fatalf("tile holds neither name")
			}
			if was, seen := etagNew[etag]; seen && was != isNew {
				t.Fatalf("instance %d: ETag %s served with the old and the new data (new now: %v) after %v", i, etag, isNew, time.Since(wrote))
			}
			etagNew[etag] = isNew
			switch {
			case isNew && firstNew[i] == 0:
				firstNew[i] = time.Since(wrote)
			case !isNew && firstNew[i] != 0:
				t.Fatalf("instance %d served the old tile after the new one", i)
			case !isNew:
				sawOldAfter = true
			}
			_, fbody := Fetch(t, http.MethodGet, u+featurePath)
			fNew := bytes.Contains(fbody, []byte(newName))
			if apiNew[i] && !fNew {
				t.Fatalf("instance %d served the old feature after the new one", i)
			}
			apiNew[i] = apiNew[i] || fNew
			done = done && firstNew[i] != 0 && apiNew[i]
		}
		if done && time.Since(wrote) > replicaApplyDelay+time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for i, d := range firstNew {
		if d == 0 || !apiNew[i] {
			t.Fatalf("instance %d: new tile after %v (0: never), new feature %v, %v after the write", i, d, apiNew[i], time.Since(wrote).Round(time.Second))
		}
		t.Logf("instance %d served the new tile %v after the write (apply delay %v)", i, d.Round(time.Millisecond), replicaApplyDelay)
	}
	switch {
	case answeredInLag && !sawOldAfter:
		t.Fatalf("no instance answered the old data during the lag: the replica was not read")
	case !answeredInLag:
		t.Logf("no answer came back within the %v apply delay (a busy machine): whether the replica was read is not observed", replicaApplyDelay)
	}

	// The replica stops (fast: its sessions are cut): reads go to the primary, no request fails.
	if out, err := exec.Command("../deploy/replica.sh", "stop", replicaName(t, port)).CombinedOutput(); err != nil {
		t.Fatalf("replica stop: %v\n%s", err, out)
	}
	for range 30 {
		for _, u := range urls {
			for _, p := range []string{featurePath, "/api/layers/districts/features?limit=3", "/api/search?q=Gia"} {
				if resp, body := Fetch(t, http.MethodGet, u+p); resp.StatusCode != http.StatusOK {
					t.Fatalf("replica stopped: %s%s: %d %s", u, p, resp.StatusCode, body)
				}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A failed read takes it out at once; a read served from a cache did not try it, and the
	// next health poll does.
	waitUntil(t, "the stopped replica out of the read set", func() bool {
		for _, s := range stores {
			if s.ReplicaStatus()[0].Healthy {
				return false
			}
		}
		return true
	})
	if out, err := exec.Command("../deploy/replica.sh", "start", replicaName(t, port)).CombinedOutput(); err != nil {
		t.Fatalf("replica start: %v\n%s", err, out)
	}
	waitUntil(t, "the restarted replica back in the read set", func() bool {
		for _, s := range stores {
			if !s.ReplicaStatus()[0].Healthy {
				return false
			}
		}
		return true
	})
}

// replicaName finds the cluster listening on port (the test named it at random).
func replicaName(t *testing.T, port int) string {
	out, err := exec.Command("sh", "-c", fmt.Sprintf("pg_lsclusters --no-header | awk '$3 == %d {print $2}'", port)).Output()
	name := string(bytes.TrimSpace(out))
	if err != nil || name == "" {
		t.Fatalf("no cluster on port %d: %v", port, err)
	}
	return name
}
