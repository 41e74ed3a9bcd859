package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo/edit"
)

// QGIS's OGC API – Features provider (src/providers/wfs/oapif/qgsoapifprovider.cpp) edits as
// follows, and these are the requests it sends:
//   - capabilities: OPTIONS …/items/{id}; PUT in Allow enables attribute and geometry changes,
//     PATCH in Allow makes it PATCH only the changed attributes, DELETE enables deletion;
//   - a change without PATCH: PUT …/items/{id} with the whole feature as it read it (every
//     property, the read-only "version" included), Content-Type application/geo+json, the
//     authentication configuration's header, and no If-Match.
//
// ClusterMap offers PUT (not PATCH or DELETE, which could not name the version) and takes the
// version property in place of If-Match: the first PUT succeeds, a second one with the same,
// now stale, version gets 412; a write with neither stays 428.
func TestQGISShapedEditsKeepLostUpdateProtection(t *testing.T) {
	f := newWS(t)
	id := f.inside
	r, _ := do(t, "OPTIONS", f.item("clusters", id), nil)
	allow := r.Header.Get("Allow")
	if !strings.Contains(allow, "PUT") || strings.Contains(allow, "PATCH") || strings.Contains(allow, "DELETE") {
		t.Fatalf("OPTIONS on an editable item: Allow %q, want PUT without PATCH or DELETE", allow)
	}
	if r, _ := do(t, "OPTIONS", f.url+"/ogc/collections/districts/items/622", nil); strings.Contains(r.Header.Get("Allow"), "PUT") {
		t.Errorf("OPTIONS on a read-only collection's item offers PUT: %q", r.Header.Get("Allow"))
	}

	// What QGIS read: the item with its version, equal to the ETag's.
	r, body := do(t, "GET", f.item("clusters", id), nil)
	var feature map[string]any
	if err := json.Unmarshal(body, &feature); err != nil {
		t.Fatal(err)
	}
	props := feature["properties"].(map[string]any)
	if tag := r.Header.Get("ETag"); fmt.Sprintf(`"v%v"`, props["version"]) != tag {
		t.Fatalf("version property %v, ETag %s", props["version"], tag)
	}
	delete(feature, "links")
	props["notes"] = "Changed in QGIS."
	qgis, _ := json.Marshal(feature)
	auth := f.auth(edit.RoleDepartment)

	if r, b := do(t, "PUT", f.item("clusters", id), qgis, "Content-Type", "application/geo+json", "Authorization", auth); r.StatusCode != 200 {
		t.Fatalf("QGIS's PUT with the version it read: %d %s", r.StatusCode, b)
	}
	// The same PUT again: its version is stale now (another editor's QGIS, or a replay).
	if r, b := do(t, "PUT", f.item("clusters", id), qgis, "Content-Type", "application/geo+json", "Authorization", auth); r.StatusCode != 412 {
		t.Errorf("a second PUT with the stale version: %d %s, want 412", r.StatusCode, b)
	}
	var stored string
	if err := f.store.Pool().QueryRow(t.Context(), `SELECT notes FROM clusters WHERE id = $1`, id).Scan(&stored); err != nil || stored != "Changed in QGIS." {
		t.Errorf("stored notes %q, %v", stored, err)
	}
	// Neither If-Match nor the version: 428, as before.
	delete(props, "version")
	bare, _ := json.Marshal(feature)
	if r, _ := do(t, "PUT", f.item("clusters", id), bare, "Content-Type", "application/geo+json", "Authorization", auth); r.StatusCode != 428 {
		t.Errorf("a PUT with neither If-Match nor version: %d, want 428", r.StatusCode)
	}
	// If-Match and a version that disagree name no one version: 412.
	r, body = do(t, "GET", f.item("clusters", id), nil)
	_ = json.Unmarshal(body, &feature)
	props = feature["properties"].(map[string]any)
	props["version"] = 1
	delete(feature, "links")
	mixed, _ := json.Marshal(feature)
	if r, _ := do(t, "PUT", f.item("clusters", id), mixed, "Content-Type", "application/geo+json", "Authorization", auth, "If-Match", r.Header.Get("ETag")); r.StatusCode != 412 {
		t.Errorf("If-Match and a different version: %d, want 412", r.StatusCode)
	}
}
