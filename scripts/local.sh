#!/usr/bin/env bash
# Sets up (Debian packages), builds, and starts a local Tepui cluster:
# a master on 127.0.0.1:5050 and two agents. Extra flags go to `tepui local`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/src/tepui local "$@"
