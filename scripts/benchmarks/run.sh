#!/usr/bin/env bash
# scripts/bench: drains a backlog of persistent 512-byte messages from the durable quorum queue
# remit.smoke through (c) a plain C relay on rabbitmq-c, (a) the relay on our AMQP module and
# (b) the worker runtime (one SQLite insert + the inbox record + one follow-up), each in a fresh
# vhost, BENCH_REPS times (default 3), and writes the medians to BENCHMARKS.md.
#   BENCH_COUNT (default 50000), BENCH_REPS (3), BENCH_PREFETCH (1000), BENCH_BATCH (500)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

count="${BENCH_COUNT:-50000}"
reps="${BENCH_REPS:-3}"
prefetch="${BENCH_PREFETCH:-1000}"
batch="${BENCH_BATCH:-500}"
ensure_packages gcc
ensure_broker
trap stop_broker_if_started EXIT

build_bench_binaries
gcc -O2 -Wall -o .build/bench/c_relay scripts/benchmarks/c_relay.c -lrabbitmq
results=.build/bench/results.jsonl
broker_pid=$(pgrep -o -f 'beam.smp.*rabbit' || true)
# utime + stime of the broker's Erlang VM, in clock ticks (0 when it cannot be found).
broker_cpu_ticks() { if [ -n "$broker_pid" ]; then awk '{print $14 + $15}' "/proc/$broker_pid/stat"; else echo 0; fi; }
: > "$results"

for rep in $(seq 1 "$reps"); do
  for mode in c-relay relay worker; do
    vhost="remit-bench-$mode-$rep-$$"
    url="amqp://guest:guest@127.0.0.1:5672/$vhost"
    as_root rabbitmqctl -q add_vhost "$vhost"
    as_root rabbitmqctl -q set_permissions -p "$vhost" guest '.*' '.*' '.*'
    "$bin/remit" topology apply --amqp-url "$url" --log-level warning >/dev/null
    log "rep $rep/$reps $mode: filling $count messages"
    "$bin/remit-bench" fill --amqp-url "$url" --count "$count"
    log "rep $rep/$reps $mode: draining"
    before=$(broker_cpu_ticks)
    line=$(case "$mode" in
      c-relay) .build/bench/c_relay 127.0.0.1 5672 "$vhost" "$count" "$prefetch" "$batch" remit.smoke remit smoke.recorded ;;
      relay) "$bin/remit-bench" relay --amqp-url "$url" --count "$count" --prefetch "$prefetch" --batch-size "$batch" \
               --exchange remit --routing-key smoke.recorded ;;
      worker) "$bin/remit-bench" worker --amqp-url "$url" --count "$count" --prefetch "$prefetch" --batch-size "$batch" \
                --data-dir ".build/bench/worker-$rep" ;;
    esac)
    after=$(broker_cpu_ticks)
    # The broker's CPU over the same drain (it shares the 2 cores with the process measured).
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["broker_cpu_s_per_1000"]=round((int(sys.argv[3])-int(sys.argv[2]))/int(sys.argv[4])/r["messages"]*1000,4); print(json.dumps(r))' \
      "$line" "$before" "$after" "$(getconf CLK_TCK)" | tee -a "$results"
    as_root rabbitmqctl -q delete_vhost "$vhost"
  done
done

python3 scripts/benchmarks/report.py "$results" BENCHMARKS.md "$count" "$reps" "$prefetch" "$batch"
