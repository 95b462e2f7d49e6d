#!/bin/sh
# The whole test suite: installs what it needs, builds, runs every test (as root).
set -e
cd "$(dirname "$0")/.."
./tools/install-deps.sh
./tools/build.sh
ctest --test-dir build --output-on-failure --timeout 300
