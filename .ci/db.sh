#!/usr/bin/env bash
# Creates ClusterMap's roles and databases on the local PostgreSQL, as its superuser, and prints a
# DATABASE_URL: the owner's, which migrates, seeds and imports; with --serve, the serving role's,
# which `clustermap serve` logs in as and which owns nothing (migrate gives it its grants). Each
# role's password is random, made once per machine and kept outside every clone
# (in $CLUSTERMAP_STATE_DIR, default ~/.local/state/clustermap), so no secret is in the repository,
# several clones share one role, and the server's auth settings (trust, md5, scram) do not matter.
# Databases: clustermap (the service) and clustermap_template (PostGIS installed; tests copy it).
set -euo pipefail
cd "$(dirname "$0")/.."
state=${CLUSTERMAP_STATE_DIR:-${HOME:-/root}/.local/state/clustermap}
mkdir -p "$state"
chmod 700 "$state"
pwfile=$state/db_password
[ -s "$pwfile" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$pwfile")
pw=$(cat "$pwfile")
servefile=$state/db_serve_password
[ -s "$servefile" ] || (umask 077 && head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$servefile")
servepw=$(cat "$servefile")

psql_su() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qAt "$@"; }

psql_su -d postgres <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clustermap') THEN
    CREATE ROLE clustermap LOGIN CREATEDB;
  END IF;
END \$\$;
-- CREATEROLE: migration 00005 creates the NOLOGIN role clustermap_editor that every workspace
-- write runs as (row-level security binds it, since it owns nothing).
ALTER ROLE clustermap PASSWORD '$pw' CREATEROLE;
-- The service's login role: no CREATEROLE, no CREATEDB, owns nothing, and has the editor's
-- rights only after SET ROLE (NOINHERIT; see migrations/serving_role.sql).
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clustermap_serve') THEN
    CREATE ROLE clustermap_serve LOGIN;
  END IF;
END \$\$;
ALTER ROLE clustermap_serve PASSWORD '$servepw' NOCREATEROLE NOCREATEDB NOSUPERUSER NOINHERIT;
SQL
for db in clustermap clustermap_template; do
  if [ -z "$(psql_su -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql_su -d postgres -c "CREATE DATABASE $db OWNER clustermap" >/dev/null
  fi
  psql_su -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
done
psql_su -d postgres -c "UPDATE pg_database SET datistemplate = true WHERE datname = 'clustermap_template'" >/dev/null
if [ "${1:-}" = --serve ]; then
  echo "postgres://clustermap_serve:$servepw@127.0.0.1:5432/clustermap?sslmode=disable"
else
  echo "postgres://clustermap:$pw@127.0.0.1:5432/clustermap?sslmode=disable"
fi
