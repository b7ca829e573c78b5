#!/usr/bin/env bash
# Clean release build of cloudplane. Incremental release builds can keep stale cross-module
# optimised code after a library's struct layout changes, so benchmarks use a clean build.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .build/x86_64-unknown-linux-gnu/release .build/release
swift build -c release --product cloudplane
