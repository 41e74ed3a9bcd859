#!/usr/bin/env bash
# A streaming replica of this machine's PostgreSQL 15 cluster, as a second cluster on the same
# machine (Debian's postgresql-common), for the scale test, the replica Go test and trying the
# read-replica set-up by hand. Run as root.
#
#   deploy/replica.sh up   [NAME] [PORT] [APPLY_DELAY]   default: replica 5433 0
#   deploy/replica.sh stop [NAME] | start [NAME]         stop or start it (a replica fault)
#   deploy/replica.sh down [NAME]                        stop and delete it
#
# The primary is PRIMARY (default 15/main). Its changes are additive: a `local replication
# postgres peer` line in pg_hba.conf (then a reload, not a restart). wal_level must already be
# replica or logical (PostgreSQL 15's default) and max_wal_senders > 0; changing them needs a
# restart of the primary, which this script refuses to do: it says so and stops.
# APPLY_DELAY (e.g. 2s) sets recovery_min_apply_delay, so that replication lag is visible.
# The replica streams through a physical replication slot (clustermap_NAME), so the primary keeps
# the WAL it has not received yet even while other work writes a lot; `down` drops the slot, which
# would otherwise hold WAL on the primary for ever.
set -euo pipefail

cmd=${1:-}
name=${2:-replica}
port=${3:-5433}
delay=${4:-0}
primary=${PRIMARY:-15/main}
pver=${primary%%/*}
pname=${primary#*/}
[[ $name =~ ^[a-z0-9_]+$ ]] || { echo "replica.sh: bad cluster name $name" >&2; exit 2; }
[ "$name" != "$pname" ] || { echo "replica.sh: the replica cannot be the primary" >&2; exit 2; }

as_pg() { runuser -u postgres -- "$@"; }
psql_primary() { as_pg psql --cluster "$primary" -XAtq -d postgres "$@"; }
slot=clustermap_$name
drop_slot() {
  psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot' AND NOT active" >/dev/null
}
status() { pg_lsclusters --no-header "$pver" "$name" 2>/dev/null | awk '{print $4}'; }
exists() { pg_lsclusters --no-header | awk '{print $1"/"$2}' | grep -qx "$pver/$name"; }

case "$cmd" in
up)
  if exists; then
    echo "replica.sh: cluster $pver/$name exists; run 'down' first" >&2
    exit 1
  fi
  wal_level=$(psql_primary -c "SHOW wal_level")
  senders=$(psql_primary -c "SHOW max_wal_senders")
  if [ "$wal_level" = minimal ] || [ "$senders" = 0 ]; then
    echo "replica.sh: the primary has wal_level=$wal_level, max_wal_senders=$senders; set wal_level=replica and max_wal_senders>0 and restart it" >&2
    exit 1
  fi
  # Let the replica's WAL receiver and pg_basebackup (both run as postgres, over the local
  # socket) connect for replication. Additive, and a reload suffices.
  hba=$(psql_primary -c "SHOW hba_file")
  if ! grep -Eq '^[[:space:]]*local[[:space:]]+replication[[:space:]]+(postgres|all)[[:space:]]' "$hba"; then
    printf '\n# added by ClusterMap deploy/replica.sh: local streaming replicas\nlocal replication postgres peer\n' >>"$hba"
    psql_primary -c "SELECT pg_reload_conf()" >/dev/null
  fi
  socket=$(psql_primary -c "SHOW unix_socket_directories" | cut -d, -f1)
  pport=$(psql_primary -c "SHOW port")
  pg_createcluster "$pver" "$name" -p "$port" >/dev/null
  datadir=$(pg_conftool -s "$pver" "$name" show data_directory)
  confdir=/etc/postgresql/$pver/$name
  rm -rf "${datadir:?}"/*
  # -R writes standby.signal and primary_conninfo; -X stream copies the WAL of the backup's
  # duration over a second connection, so the copy is consistent on its own.
  drop_slot # a slot left by a crashed run
  as_pg pg_basebackup -D "$datadir" -h "$socket" -p "$pport" -U postgres -X stream -R -c fast -C -S "$slot"
  mkdir -p "$confdir/conf.d"
  cat >"$confdir/conf.d/90-replica.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
hot_standby = on
# Queries on the replica hold back vacuum on the primary rather than being cancelled.
hot_standby_feedback = on
recovery_min_apply_delay = '$delay'
CONF
  chown -R postgres:postgres "$confdir/conf.d"
  pg_ctlcluster --skip-systemctl-redirect "$pver" "$name" start
  for _ in $(seq 100); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.1
  done
  pg_isready -q -h 127.0.0.1 -p "$port"
  echo "replica $pver/$name streaming from $primary on 127.0.0.1:$port (apply delay $delay)"
  ;;
stop)
  pg_ctlcluster --skip-systemctl-redirect "$pver" "$name" stop -m fast
  # A standby writes a restartpoint as it stops, which may outlast pg_ctlcluster's return:
  # wait until it is down, so that a start right after does not find it still running.
  for _ in $(seq 300); do
    [[ $(status) == down* ]] && break
    sleep 0.1
  done
  ;;
start)
  for _ in $(seq 300); do
    [[ $(status) == down* ]] && break
    sleep 0.1
  done
  [[ $(status) == online* ]] || pg_ctlcluster --skip-systemctl-redirect "$pver" "$name" start
  for _ in $(seq 100); do
    pg_isready -q -h 127.0.0.1 -p "$(pg_conftool -s "$pver" "$name" show port)" && break
    sleep 0.1
  done
  ;;
down)
  if exists; then
    pg_dropcluster --stop "$pver" "$name"
  fi
  for _ in $(seq 50); do # the WAL sender lets go of the slot shortly after the replica stops
    drop_slot
    [ -z "$(psql_primary -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ] && break
    sleep 0.1
  done
  ;;
*)
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
