#!/usr/bin/env bash
# scripts/bench micro: the micro-benchmarks of the codec, the inbox and the batch step
# (package-benchmark, the package in scripts/benchmarks/micro/; no broker). Builds them in release,
# runs them once into the baseline 'current' (not committed), prints it beside the stored baseline
# 'remit' and checks it against that: exit 0 when every allocation count is within its tolerance
# (or only improved), 1 on a regression. Times are shown, not judged.
# `--update` re-records 'remit' instead; commit .benchmarkBaselines/RemitMicro/remit/results.json.
# Further arguments go to the benchmark plugin (e.g. --filter 'codec.*').
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
ensure_packages
cd scripts/benchmarks/micro
# Its own .build/, apart from the root's (the root .gitignore's `.build/` covers it).
benchmark=(swift package --scratch-path .build --allow-writing-to-package-directory benchmark)

if [ "${1:-}" = "--update" ]; then
  shift
  log "micro-benchmarks: recording the baseline 'remit'"
  "${benchmark[@]}" baseline update remit --no-progress "$@"
  exec "${benchmark[@]}" baseline read remit --no-progress "$@"
fi

log "micro-benchmarks: running them"
"${benchmark[@]}" baseline update current --no-progress "$@"
"${benchmark[@]}" baseline compare remit current --no-progress "$@"
# The plugin exits 1 for a regression, for improvements alone and for a failure alike; its
# verdict line tells them apart.
status=0
verdict=$("${benchmark[@]}" baseline check remit current --no-progress "$@" 2>&1) || status=$?
printf '%s\n' "$verdict"
if [ "$status" -eq 0 ]; then
  log "micro-benchmarks: allocation counts within the baseline's tolerances"
elif grep -aq "is WORSE than" <<<"$verdict"; then
  log "micro-benchmarks: REGRESSION against the baseline 'remit' (the deviations above)"
elif grep -aq "is BETTER than" <<<"$verdict"; then
  log "micro-benchmarks: only improvements; record them with scripts/bench micro --update"
  status=0
else
  log "micro-benchmarks: the check failed (exit $status)"
fi
exit "$status"
