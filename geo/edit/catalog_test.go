package edit_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
)

// The catalog says which layers are editable and which fields a district user may change; the
// database enforces the same rules with its own lists (migrations/00005_workspace.sql). These
// tests fail when the two drift apart, as TestVocabulariesMatchTheSchema does for the codes.

// TestEditableLayersMatchTheDatabase: the tables with history, row-level security and the
// editor's write grants are exactly the catalog's editable layers.
func TestEditableLayersMatchTheDatabase(t *testing.T) {
	store, _ := geotest.Migrated(t)
	ctx := context.Background()
	var editable []string
	for _, l := range store.Catalog().Layers() {
		if l.Editable {
			editable = append(editable, l.Table)
		}
	}
	slices.Sort(editable)
	catalogTables := map[string]bool{}
	for _, l := range store.Catalog().Layers() {
		catalogTables[l.Table] = true
	}
	for what, sql := range map[string]string{
		"history trigger": `SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = tgrelid::regclass::text || '_history'`,
		"row-level security": `SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relrowsecurity
			AND relnamespace = 'public'::regnamespace`,
		"editor's UPDATE grant": `SELECT table_name::text FROM information_schema.role_table_grants
			WHERE privilege_type = 'UPDATE' AND grantee = 'clustermap_editor'`,
	} {
		rows, err := store.Pool().Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var table string
			if err := rows.Scan(&table); err != nil {
				t.Fatal(err)
			}
			if catalogTables[table] { // proposals and the derived tables are not layers
				got = append(got, table)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, editable) {
			t.Errorf("%s on layer tables: %v; the catalog's editable layers: %v", what, got, editable)
		}
	}
}

// TestDistrictFieldsMatchTheDatabase: the columns the trigger workspace_district_scope lets a
// district user change are the catalog's district-editable fields (and the columns the database
// itself maintains on every update).
func TestDistrictFieldsMatchTheDatabase(t *testing.T) {
	store, _ := geotest.Migrated(t)
	var src string
	if err := store.Pool().QueryRow(context.Background(),
		`SELECT prosrc FROM pg_proc WHERE proname = 'workspace_district_scope'`).Scan(&src); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`allowed\s+text\[\]\s*:=\s*ARRAY\[([^\]]*)\]`).FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("workspace_district_scope declares no allowed list:\n%s", src)
	}
	// Set by triggers and generated columns: the row's time, its mercator copy, the tenant register's sums.
	maintained := []string{"updated_at", "geom_3857", "tenant_leased_ha", "tenants_count", "tenants_as_of"}
	var inDB []string
	for _, q := range strings.Split(m[1], ",") {
		if name := strings.Trim(strings.TrimSpace(q), "'"); !slices.Contains(maintained, name) {
			inDB = append(inDB, name)
		}
	}
	var inCatalog []string
	for _, l := range store.Catalog().Layers() {
		inCatalog = append(inCatalog, l.DistrictFields()...)
	}
	slices.Sort(inDB)
	slices.Sort(inCatalog)
	if !slices.Equal(inDB, inCatalog) {
		t.Errorf("district-editable in the database: %v; in the catalog: %v", inDB, inCatalog)
	}
}

// TestMayWrite: the write side's early answer follows the catalog: the department writes every
// editable layer, a district user only changes a layer with district-editable fields, nobody
// writes an import-only layer.
func TestMayWrite(t *testing.T) {
	cat := geo.DefaultCatalog()
	dept := edit.Actor{User: "dept", Role: edit.RoleDepartment}
	district := edit.Actor{User: "d", Role: edit.RoleDistrict, Scope: edit.Scope{District: "626"}}
	anonymous := edit.ActorOf(nil, "", "")
	for _, l := range cat.Layers() {
		for _, op := range []edit.Op{edit.OpCreate, edit.OpReplace, edit.OpPatch, edit.OpDelete} {
			for _, tc := range []struct {
				who  edit.Actor
				want bool
			}{
				{dept, l.Editable},
				{district, l.Editable && len(l.DistrictFields()) > 0 && (op == edit.OpReplace || op == edit.OpPatch)},
				{anonymous, false},
			} {
				err := tc.who.MayWrite(l, op)
				if (err == nil) != tc.want {
					t.Errorf("%s %s %s: err %v, want allowed=%v", tc.who.Role, op, l.ID, err, tc.want)
				}
			}
		}
	}
	if clusters, _ := cat.Layer("clusters"); len(clusters.DistrictFields()) == 0 {
		t.Error("no cluster field is district-editable")
	}
}
