#!/usr/bin/env bash
# The property tests of tests/fuzz.rs with a longer budget (default 5,000
# cases each instead of 64): `bash tests/fuzz-long.sh [CASES]`.
# A failure prints the smallest input that shows it; make it a regression
# test in tests/fuzz.rs or tests/decode.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
PROPTEST_CASES="${1:-5000}" cargo test --locked --test tests fuzz:: -- --test-threads 2
