#!/usr/bin/env bash
# Sets up (Debian packages), builds, and runs every test: unit, in-process
# cluster and end-to-end tests of the built binary. Extra arguments go to
# ctest (for example -L unit, or -R Allocator).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j 2 "$@"
