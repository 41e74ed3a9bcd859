package geo

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
)

// The database's roles. The owner (the role of `clustermap migrate`) owns every table, function
// and policy. The service (`clustermap serve`) logs in as a role that owns nothing: it reads, keeps
// sessions, and writes features and proposals only as EditorRole, under row-level security and the
// history trigger. So a flaw in the server, or its stolen password, cannot forge history, disable
// a trigger or grant itself more: only the owner could.

// EditorRole is the NOLOGIN role every workspace write runs as (migration 00005 makes it).
const EditorRole = "clustermap_editor"

// DefaultServeRole is the service's login role when CLUSTERMAP_SERVE_ROLE does not name another.
// An installation per database on one PostgreSQL gives each its own.
const DefaultServeRole = "clustermap_serve"

// servingRoleScript is the file, beside the numbered migrations, that grants the serving role.
const servingRoleScript = "serving_role.sql"

// GrantServing runs the migrations' serving_role.sql for role: created (LOGIN, no password) when
// missing, given what serve needs. The owner may not serve: that is what the split is for.
func (s *Store) GrantServing(ctx context.Context, migrations fs.FS, role string) error {
	script, err := fs.ReadFile(migrations, servingRoleScript)
	if err != nil {
		return fmt.Errorf("serving role: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("serving role %s: %w", role, err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	// Two instances deployed at once both migrate: one grants after the other, or they collide
	// on the policies ("tuple concurrently updated").
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('clustermap: serving role'))`); err != nil {
		return fmt.Errorf("serving role %s: %w", role, err)
	}
	if _, err := tx.Exec(ctx, `SELECT set_config('clustermap.serve_role', $1, true)`, role); err != nil {
		return fmt.Errorf("serving role %s: %w", role, err)
	}
	if _, err := tx.Exec(ctx, string(script)); err != nil {
		return fmt.Errorf("serving role %s: %w", role, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("serving role %s: %w", role, err)
	}
	return nil
}

// RoleProblems says what is wrong with the roles of this database as the connected role sees it
// (clustermap check): empty when nothing is.
func (s *Store) RoleProblems(ctx context.Context, serveRole string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	rows, err := s.pool.Query(ctx, checkRolesSQL, serveRole, EditorRole)
	if err != nil {
		return nil, fmt.Errorf("check roles: %w", err)
	}
	problems, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("check roles: %w", err)
	}
	return problems, nil
}

// checkRolesSQL lists each problem as a sentence ($1 the serving role, $2 the editor role).
const checkRolesSQL = `
WITH serve AS (SELECT oid, rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1)
SELECT msg FROM (
  SELECT 'the serving role ' || $1 || ' does not exist' AS msg WHERE NOT EXISTS (SELECT FROM serve)
  UNION ALL SELECT 'the editor role ' || $2 || ' does not exist' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = $2)
  UNION ALL SELECT 'the serving role ' || $1 || ' is a superuser or may create roles or databases'
    FROM serve WHERE rolsuper OR rolcreaterole OR rolcreatedb
  UNION ALL SELECT 'the serving role ' || $1 || ' owns ' || count(*) || ' tables, views or sequences'
    FROM pg_class c JOIN serve ON c.relowner = serve.oid HAVING count(*) > 0
  UNION ALL SELECT 'the serving role ' || $1 || ' owns ' || count(*) || ' functions'
    FROM pg_proc p JOIN serve ON p.proowner = serve.oid HAVING count(*) > 0
  UNION ALL SELECT 'the serving role ' || $1 || ' may not connect to this database'
    FROM serve WHERE NOT has_database_privilege(serve.oid, current_database(), 'CONNECT')
  UNION ALL SELECT 'every role may connect to this database (PUBLIC has CONNECT): run clustermap migrate'
    WHERE has_database_privilege('public', current_database(), 'CONNECT')
  UNION ALL SELECT 'the serving role ' || $1 || ' is not a member of ' || $2
    FROM serve WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = $2) AND NOT pg_has_role(serve.oid, $2, 'MEMBER')
  UNION ALL SELECT 'the serving role ' || $1 || ' cannot read ' || t.tablename
    FROM serve, pg_tables t WHERE t.schemaname = 'public' AND NOT has_table_privilege(serve.oid, format('public.%I', t.tablename), 'SELECT')
  UNION ALL SELECT 'the serving role ' || $1 || ' may change history (feature_versions)'
    FROM serve WHERE has_table_privilege(serve.oid, 'public.feature_versions', 'INSERT, UPDATE, DELETE, TRUNCATE')
  UNION ALL SELECT 'table ' || c.relname || ' has no row-level security policies for ' || $2
    FROM pg_class c WHERE c.relname IN ('clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals')
     AND c.relnamespace = 'public'::regnamespace
     AND NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = c.oid)
) x`

// LoginRole is the role this store's connections log in as.
func (s *Store) LoginRole(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var role string
	if err := s.pool.QueryRow(ctx, `SELECT session_user`).Scan(&role); err != nil {
		return "", fmt.Errorf("login role: %w", err)
	}
	return role, nil
}
