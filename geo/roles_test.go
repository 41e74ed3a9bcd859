package geo_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/migrations"
)

// TestServingRoleOwnsNothing logs in as the role `clustermap serve` uses and tries what a flaw in
// the server, or its stolen password, would: forge history, change a row without the editor's
// checks, approve a proposal, disable a trigger, grant itself more. Each must be refused by
// PostgreSQL; and the editor role must be of no use to another installation's login role.
func TestServingRoleOwnsNothing(t *testing.T) {
	if os.Getenv("CLUSTERMAP_SERVE_DATABASE_URL") == "" {
		t.Fatal("CLUSTERMAP_SERVE_DATABASE_URL is not set: the tests would serve as the owner (make test sets it from .ci/db.sh --serve)")
	}
	owner, dbURL := geotest.Seeded(t)
	ctx := context.Background()
	// A copy of the template has the default database ACL (CONNECT for PUBLIC): migrate gives the
	// database its grants again, as after a restore.
	if err := owner.GrantServing(ctx, migrations.Files, geo.DefaultServeRole); err != nil {
		t.Fatal(err)
	}
	if problems, err := owner.RoleProblems(ctx, geo.DefaultServeRole); err != nil || len(problems) > 0 {
		t.Fatalf("check after migrate: %v %q", err, problems)
	}
	// The check is not vacuous: the owner, named as the serving role, is everything it must not be.
	var ownerRole string
	if err := owner.Pool().QueryRow(ctx, "SELECT current_user").Scan(&ownerRole); err != nil {
		t.Fatal(err)
	}
	problems, err := owner.RoleProblems(ctx, ownerRole)
	if err != nil || !strings.Contains(strings.Join(problems, "\n"), "owns") {
		t.Fatalf("check with the owner as the serving role: %v %q", err, problems)
	}

	serve := geotest.Open(t, geotest.ServeURL(t, dbURL))
	var who string
	if err := serve.Pool().QueryRow(ctx, "SELECT current_user").Scan(&who); err != nil || who != geo.DefaultServeRole {
		t.Fatalf("serving store logs in as %q (%v), want %s", who, err, geo.DefaultServeRole)
	}
	var cluster, proposal int64
	if err := owner.Pool().QueryRow(ctx, "SELECT min(id) FROM clusters").Scan(&cluster); err != nil {
		t.Fatal(err)
	}
	err = owner.Pool().QueryRow(ctx, `INSERT INTO proposals (kind, status, name, district_code, geom, created_by)
		SELECT 'new', 'submitted', 'T roles', district_code, ST_Multi(geom), 'test' FROM clusters WHERE id = $1 RETURNING id`, cluster).Scan(&proposal)
	if err != nil {
		t.Fatal(err)
	}
	refused := []struct{ name, sql string }{
		{"forge a history version", `INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props)
			VALUES ('clusters', 1, 1000, 'update', 'forger', 'admin', '2020-01-01', '{}')`},
		{"rewrite history", `UPDATE feature_versions SET actor = 'forger'`},
		{"erase history", `DELETE FROM feature_versions`},
		{"change a cluster as itself", `UPDATE clusters SET name = 'forged' WHERE id = ` + itoa(cluster)},
		{"approve a proposal as itself", `UPDATE proposals SET status = 'approved', decision_number = '1/QĐ', decision_date = '2026-01-05' WHERE id = ` + itoa(proposal)},
		{"disable the history trigger", `ALTER TABLE clusters DISABLE TRIGGER ALL`},
		// A GRANT without the grant option only warns ("no privileges were granted"): the write after it is refused.
		{"grant itself history", `GRANT INSERT, UPDATE, DELETE ON feature_versions TO ` + geo.DefaultServeRole + `;
			INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props)
			VALUES ('clusters', 1, 1000, 'update', 'forger', 'admin', '2020-01-01', '{}')`},
		{"read server files", `GRANT pg_read_server_files TO ` + geo.DefaultServeRole},
		{"create a role", `CREATE ROLE clustermap_forger`},
		{"create a table", `CREATE TABLE forged (id int)`},
		{"forge history as the editor", `SET LOCAL ROLE clustermap_editor; INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props)
			VALUES ('clusters', 1, 1000, 'update', 'forger', 'admin', '2020-01-01', '{}')`},
		{"approve as a district editor", `SELECT set_config('clustermap.role', 'district', true); SET LOCAL ROLE clustermap_editor;
			UPDATE proposals SET status = 'approved' WHERE id = ` + itoa(proposal)},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			err := pgx.BeginFunc(ctx, serve.Pool(), func(tx pgx.Tx) error {
				for _, stmt := range strings.Split(c.sql, ";") {
					tag, err := tx.Exec(ctx, stmt)
					if err != nil {
						return err
					}
					if strings.HasPrefix(tag.String(), "UPDATE") && tag.RowsAffected() == 0 {
						return errors.New("no row changed")
					}
				}
				return nil
			})
			var pe *pgconn.PgError
			if err == nil {
				t.Fatalf("the serving role could %s", c.name)
			}
			if errors.As(err, &pe) && !strings.HasPrefix(pe.Code, "42") && pe.Code != "P0001" {
				t.Fatalf("%s: refused for another reason: %v", c.name, err)
			}
		})
	}

	// What it needs still works: it reads, locks a row for a write, and writes as the editor.
	err = pgx.BeginFunc(ctx, serve.Pool(), func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM clusters WHERE id = $1 FOR UPDATE`, cluster); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('clustermap.role', 'department', true), set_config('clustermap.user', 'dept', true)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL ROLE clustermap_editor`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE clusters SET contact = 'via the editor' WHERE id = $1`, cluster)
		if err == nil && tag.RowsAffected() != 1 {
			err = errors.New("no row changed")
		}
		return err
	})
	if err != nil {
		t.Fatalf("the serving role cannot write as the editor: %v", err)
	}

	// One editor role serves every installation on the PostgreSQL cluster: another installation's
	// login role, also its member, may not even connect to this database.
	admin := geotest.Open(t, geotest.AdminURL(t))
	if _, err := admin.Pool().Exec(ctx, `DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clustermap_other_install') THEN
		  CREATE ROLE clustermap_other_install LOGIN NOINHERIT; END IF; END $$;
		GRANT clustermap_editor TO clustermap_other_install`); err != nil {
		t.Fatal(err)
	}
	var may bool
	if err := owner.Pool().QueryRow(ctx, `SELECT has_database_privilege('clustermap_other_install', current_database(), 'CONNECT')`).Scan(&may); err != nil || may {
		t.Fatalf("another installation's role may connect here: %v %v", may, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
