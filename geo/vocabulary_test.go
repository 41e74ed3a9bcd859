package geo_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
)

// TestVocabulariesMatchTheSchema is the drift test between the schema's enum types and the
// vocabularies of the catalog (geo/vocabulary.go), the one place codes and labels are written:
// each vocabulary tied to an enum type holds that type's labels in the same order, every enum a
// catalog field reads has a vocabulary and the field uses it, and every code has both labels.
func TestVocabulariesMatchTheSchema(t *testing.T) {
	store, _ := geotest.Migrated(t)
	checkVocabularies(t, store)
}

func checkVocabularies(t *testing.T, store *geo.Store) {
	t.Helper()
	ctx := context.Background()
	pool := store.Pool()

	enumLabels := func(typ string) []string {
		t.Helper()
		rows, err := pool.Query(ctx, `SELECT e.enumlabel FROM pg_enum e
			JOIN pg_type ty ON ty.oid = e.enumtypid
			JOIN pg_namespace n ON n.oid = ty.typnamespace
			WHERE ty.typname = $1 AND n.nspname = current_schema()
			ORDER BY e.enumsortorder`, typ)
		if err != nil {
			t.Fatal(err)
		}
		labels, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return labels
	}

	byType := map[string]*geo.Vocabulary{}
	names := map[string]bool{}
	for _, v := range geo.Vocabularies() {
		if names[v.Name] {
			t.Errorf("two vocabularies are named %q", v.Name)
		}
		names[v.Name] = true
		// Every term: a code once, a Vietnamese and an English label.
		seen := map[string]bool{}
		for _, term := range v.Terms {
			if term.Code == "" || seen[term.Code] {
				t.Errorf("vocabulary %s: code %q is empty or repeated", v.Name, term.Code)
			}
			seen[term.Code] = true
			if strings.TrimSpace(term.Title.VI) == "" || strings.TrimSpace(term.Title.EN) == "" {
				t.Errorf("vocabulary %s: code %q has labels vi %q, en %q; both are required", v.Name, term.Code, term.Title.VI, term.Title.EN)
			}
		}
		if len(v.Terms) == 0 {
			t.Errorf("vocabulary %s has no terms", v.Name)
		}
		if v.PGType == "" {
			continue
		}
		if other, ok := byType[v.PGType]; ok {
			t.Errorf("vocabularies %s and %s both claim enum type %s", other.Name, v.Name, v.PGType)
		}
		byType[v.PGType] = v
		labels := enumLabels(v.PGType)
		if len(labels) == 0 {
			t.Errorf("vocabulary %s: the schema has no enum type %s", v.Name, v.PGType)
			continue
		}
		if !slices.Equal(labels, v.Codes()) {
			t.Errorf("vocabulary %s: enum %s holds %q, the vocabulary %q (same codes, same order)", v.Name, v.PGType, labels, v.Codes())
		}
	}

	// The type of every catalog field's column (or expression), as PostgreSQL describes the
	// result column: an enum, or an array of one, names the enum type.
	checked := 0
	for _, l := range store.Catalog().Layers() {
		for _, f := range l.Fields {
			expr := "t." + pgx.Identifier{f.Name}.Sanitize()
			if f.Expr != "" {
				expr = f.Expr
			}
			rows, err := pool.Query(ctx, fmt.Sprintf("SELECT %s FROM %s t LIMIT 0", expr, pgx.Identifier{l.Table}.Sanitize()))
			if err != nil {
				t.Fatalf("%s.%s: %v", l.ID, f.Name, err)
			}
			oid := rows.FieldDescriptions()[0].DataTypeOID
			rows.Close()
			if err := rows.Err(); err != nil {
				t.Fatalf("%s.%s: %v", l.ID, f.Name, err)
			}
			var enum string
			if err := pool.QueryRow(ctx, `SELECT coalesce((SELECT e.typname FROM pg_type e
				WHERE e.typtype = 'e' AND e.oid IN (ty.oid, ty.typelem)), '')
				FROM pg_type ty WHERE ty.oid = $1`, oid).Scan(&enum); err != nil {
				t.Fatalf("%s.%s: type %d: %v", l.ID, f.Name, oid, err)
			}
			checked++
			if enum == "" {
				if f.Vocab != nil && f.Vocab.PGType != "" {
					t.Errorf("%s.%s uses vocabulary %s (enum %s), but its column is not of that enum type", l.ID, f.Name, f.Vocab.Name, f.Vocab.PGType)
				}
				continue
			}
			if byType[enum] == nil {
				t.Errorf("%s.%s: the column's enum type %s has no vocabulary", l.ID, f.Name, enum)
			}
			if f.Vocab == nil || f.Vocab.PGType != enum {
				got := "none"
				if f.Vocab != nil {
					got = f.Vocab.Name
				}
				t.Errorf("%s.%s: the column is of enum type %s, the field's vocabulary is %s", l.ID, f.Name, enum, got)
			}
		}
	}
	if checked == 0 {
		t.Fatal("the catalog has no fields to check")
	}
}
