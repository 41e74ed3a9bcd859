#!/usr/bin/env bash
# Creates ClusterMap's role and databases on the local PostgreSQL, as its superuser, and prints a
# DATABASE_URL. The role's password is random, made once per machine and kept outside every clone
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
SQL
for db in clustermap clustermap_template; do
  if [ -z "$(psql_su -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql_su -d postgres -c "CREATE DATABASE $db OWNER clustermap" >/dev/null
  fi
  psql_su -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
done
psql_su -d postgres -c "UPDATE pg_database SET datistemplate = true WHERE datname = 'clustermap_template'" >/dev/null
echo "postgres://clustermap:$pw@127.0.0.1:5432/clustermap?sslmode=disable"
