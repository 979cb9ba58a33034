#!/usr/bin/env bash
# Runs every fuzz target for a time budget: `fuzz/run.sh [SECONDS] [TARGET...]` (default 20 s,
# every target). Extra libFuzzer flags go in FUZZ_ARGS, e.g. a long run of ten million
# executions per target: `FUZZ_ARGS=-runs=10000000 fuzz/run.sh 86400`. Fails if any target
# finds a crash, panic, timeout or memory blow-up, or if a committed regression input fails
# again. Prints the executions each target made.
#
# Needs the nightly toolchain and cargo-fuzz; installs both when missing. The committed seeds
# (fuzz/corpus/<target>) and minimized past findings (fuzz/regressions/<target>) are read, never
# written: new inputs go to a scratch corpus under fuzz/corpus-run/ (ignored by git), which later
# runs on the same machine reuse.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-20}"
shift || true
CARGO_FUZZ_VERSION=0.13.2
TARGETS=(keys jwt jwt_claims webhook cookies effective_url publishable_key org_sync authenticate
  api_decode client)
if [ "$#" -gt 0 ]; then
  TARGETS=("$@")
fi

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# No sanitizer: the code under test is safe Rust (the SDK forbids `unsafe`), and without ASan
# the targets build faster and run about twice as fast. Overflow checks and debug assertions
# stay on (cargo-fuzz's defaults). 16 codegen units instead of cargo-fuzz's 1: the build is
# most of a smoke run's time on two cores.
FUZZ_FLAGS=(--sanitizer none --codegen-units 16)
# One build of all the targets (they share every dependency).
cargo +nightly fuzz build "${FUZZ_FLAGS[@]}"

LOGS="$(pwd)/corpus-run/logs"
mkdir -p "$LOGS"
failed=()
summary=()
for target in "${TARGETS[@]}"; do
  scratch="corpus-run/$target"
  mkdir -p "$scratch" "corpus/$target" "regressions/$target"
  log="$LOGS/$target.log"
  echo "==> $target (${SECONDS_PER_TARGET}s)"
  # One process on one core (libFuzzer's default; -jobs/-workers would only move the output to
  # fuzz-N.log files). -timeout: one input taking over 10 s is a hang. -rss_limit_mb: a blow-up.
  # -max_len: the largest input a target sees; tokens are capped at 16 KiB, bodies are larger.
  if cargo +nightly fuzz run "${FUZZ_FLAGS[@]}" "$target" "$scratch" "corpus/$target" \
    "regressions/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed+=("$target")
    tail -n 40 "$log"
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)
  summary+=("$(printf '%-16s %-6s %12s execs %8s exec/s' "$target" "$status" "${execs:-?}" "${rate:-?}")")
done

echo
echo "fuzz summary (${SECONDS_PER_TARGET}s per target; logs in fuzz/corpus-run/logs):"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]} (the crashing input is in fuzz/artifacts/<target>/)"
  exit 1
fi
