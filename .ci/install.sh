#!/usr/bin/env bash
# Installs what ClusterMap needs from Debian's packages, only when missing, and starts PostgreSQL.
# Usage: .ci/install.sh [--browser] [--gdal] [--bench]   (run as root on Debian/Ubuntu)
set -euo pipefail

want=(postgresql postgresql-15-postgis-3)
command -v npm >/dev/null || want+=(nodejs npm)
for arg in "$@"; do
  case "$arg" in
    --browser) want+=(chromium fonts-dejavu-core) ;;
    --gdal) want+=(gdal-bin) ;;
    --bench) want+=(wrk) ;;
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
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Start the cluster when it is down (no systemd in containers and CI).
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header | while read -r ver name _port status _rest; do
    if [ "$status" != online ]; then
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
    fi
  done
fi
