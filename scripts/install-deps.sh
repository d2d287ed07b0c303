#!/usr/bin/env bash
# Installs what Tepui needs to build and test, from Debian's packages only.
# Idempotent: packages already present are not installed again, and apt's
# index is refreshed only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev
  libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libarchive-dev   # tepui-fetcher only
  libsqlite3-dev                        # the master's embedded registry store
  libzookeeper-mt-dev zookeeper         # the ZooKeeper registry; tests run a real server
  libhowardhinnant-date-dev tzdata      # jobs: schedules in tz database zones (/usr/share/zoneinfo)
  python3
  iproute2                              # e2e partition test: ip netns and veth pairs
  python3-prometheus-client             # the metrics test parses /metrics/prometheus with it
  chromium                              # the web UI's tests: headless Chromium driven by playwright-core
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The web UI's tests (tests/ui) run on Node 18 or newer with npm. A Node
# installed otherwise (with its own npm) is used as it is.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "tepui: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
