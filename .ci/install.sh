#!/usr/bin/env bash
# Installs what ClusterMap needs from Debian's packages, only when missing, and starts PostgreSQL.
# Usage: .ci/install.sh [--browser] [--gdal] [--qgis] [--bench] [--nginx]   (run as root on Debian/Ubuntu)
set -euo pipefail

want=(postgresql postgresql-15-postgis-3)
command -v npm >/dev/null || want+=(nodejs npm)
for arg in "$@"; do
  case "$arg" in
    --browser) want+=(chromium fonts-dejavu-core poppler-utils) ;; # poppler: the print tests read the PDFs
    --gdal) want+=(gdal-bin) ;;
    --qgis) want+=(python3-qgis) ;; # the export tests open every format with QGIS (/usr/bin/python3)
    --bench) want+=(wrk) ;;
    --nginx) want+=(nginx) ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Packages with a daemon (nginx) must not start it: the scale test runs its own nginx on
  # loopback ports, and the package's default site would listen on port 80 of every address.
  # policy-rc.d answering 101 tells invoke-rc.d not to start services; ours is removed after.
  policy=/usr/sbin/policy-rc.d
  own_policy=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$own_policy" ]; then rm -f "$policy"; fi
fi

# Start the cluster when it is down (no systemd in containers and CI).
if command -v pg_lsclusters >/dev/null; then
  # Streaming replicas (deploy/replica.sh, which tests and the scale test create and drop) are
  # left alone: one may be half made, or stopped on purpose.
  pg_lsclusters --no-header | while read -r ver name _port status _owner datadir _rest; do
    if [[ $status != online* ]] && [ ! -e "$datadir/standby.signal" ]; then
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
    fi
  done
fi
