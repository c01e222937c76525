#!/usr/bin/env bash
# scripts/bench: every figure of BENCHMARKS.md from one invocation against the local RabbitMQ, each
# mode in a fresh vhost, BENCH_REPS times (default 3), medians with min and max:
#   ceilings   broker alone (C: confirming publisher ∥ consumer on one quorum queue), the C relay
#              on rabbitmq-c, the relay on RemitAMQP
#   runtime    remit-bench worker: the worker runtime with the smoke handler
#   kinds      a backlog of BENCH_COUNT realistic messages per kind, published before the worker
#              starts, drained by one `remit worker KIND` process (scripts/benchmarks/kinds.py)
#   payment-posting-traced  the payment-posting backlog drained with traces exported over OTLP/HTTP to
#              scripts/testing/otlp_receiver.py (counting what it receives): tracing's cost
#   peer       the payment-posting backlog drained by a plain Python worker on pika
#   scale      remit-bench worker with 2 and 4 consumers in one process (1 is `worker`)
#   latency    publish → row visible in the channel store at 500 and 4,000 msg/s (remit-bench latency:
#              the worker runtime with the smoke handler; and the broker alone, publish → delivery)
#   ramp       `remit worker payment-posting` at BENCH_RAMP_RATES (1000,2000,4000,6000,8000 msg/s), one
#              step after the other in one process, BENCH_RAMP_SECONDS (5) each: per step the percentiles
#              of publish → payment row visible and the work queue's depth (kinds.py ramp)
#   hq-seed    `remit hq seed` of BENCH_BIG_INVOICES (1,000,000) invoices, timed
#   portal-list  the Invoices page and the API's list (unpaid, page 1) on those invoices, distributed
#              to the channel store as in production, from a real `remit portal` (portal_list.py)
#   dead-letters BENCH_DL_COUNT (100,000) bad messages dead-lettered, collected and replayed
#   pg-payment-posting  the payment-posting backlog drained by 1, 2 and 4 `remit worker
#              payment-posting` processes on one channel store on PostgreSQL (a server of the run's
#              own, the world distributed to it as in production; each drain on a copy of it)
#   pg-portal-list  portal-list with the big world's channel store on PostgreSQL
# The pg-* modes are not in the default list: `scripts/bench postgres` runs them beside SQLite's
# payment-posting and writes their own block of BENCHMARKS.md (BENCH_BLOCK=postgres: the markers
# bench-postgres:begin/end, BENCHMARKS-postgres.json); `--quick` runs every mode, theirs too.
# Every mode checks its own counts and fails the run otherwise. Writes BENCHMARKS.md (between the
# bench markers) and BENCHMARKS.json, and compares with the previous BENCHMARKS.json.
#
# `scripts/bench --quick`: BENCH_COUNT 2000, one rep, every mode, results only under
# .build/bench/quick; uses the debug binaries (`swift build --show-bin-path`), no release build.
#   BENCH_COUNT (50000), BENCH_REPS (3), BENCH_PREFETCH (1000), BENCH_BATCH (500),
#   BENCH_MODES (all, in order), BENCH_BIN (a folder with remit and remit-bench: no build),
#   BENCH_LATENCY_SECONDS (10; --quick 2), BENCH_RAMP_RATES, BENCH_RAMP_SECONDS (5; --quick 500,1000 and 1), BENCH_BIG_INVOICES (1000000; --quick BENCH_COUNT),
#   BENCH_LIST_REQUESTS (2000; --quick 200), BENCH_DL_COUNT (100000; --quick BENCH_COUNT)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
[ $# -eq 0 ] || { log "usage: scripts/bench [--quick] | scripts/bench dead-letters | scripts/bench micro [--update]"; exit 64; }
count="${BENCH_COUNT:-$([ $quick = 1 ] && echo 2000 || echo 50000)}"
reps="${BENCH_REPS:-$([ $quick = 1 ] && echo 1 || echo 3)}"
prefetch="${BENCH_PREFETCH:-1000}"
batch="${BENCH_BATCH:-500}"
all_modes="broker c-relay relay worker scale latency ramp payment-posting payment-posting-traced cart-validation invoice-requests email-dispatch channel-updates pika-peer hq-seed portal-list dead-letters"
modes="${BENCH_MODES:-$all_modes$([ $quick = 1 ] && echo " pg-payment-posting pg-portal-list" || true)}"
block="${BENCH_BLOCK:-}"
# The data at scale: `remit hq seed` of this many invoices (about 6,250 per customer, so that a
# customer's unpaid invoices fill some 50 pages of the list), the invoice list on them, and this
# many dead letters replayed.
big_invoices="${BENCH_BIG_INVOICES:-$([ $quick = 1 ] && echo "$count" || echo 1000000)}"
big_customers=$((big_invoices / 6250 > 20 ? big_invoices / 6250 : 20))
list_requests="${BENCH_LIST_REQUESTS:-$([ $quick = 1 ] && echo 200 || echo 2000)}"
dead_letters="${BENCH_DL_COUNT:-$([ $quick = 1 ] && echo "$count" || echo 100000)}"
# Latency: seconds of paced publishing per rate (after one second of warm-up).
latency_seconds="${BENCH_LATENCY_SECONDS:-$([ $quick = 1 ] && echo 2 || echo 10)}"
ramp_rates="${BENCH_RAMP_RATES:-$([ $quick = 1 ] && echo 500,1000 || echo 1000,2000,4000,6000,8000)}"
ramp_seconds="${BENCH_RAMP_SECONDS:-$([ $quick = 1 ] && echo 1 || echo 5)}"
out=.build/bench$([ $quick = 1 ] && echo /quick || true)
# A drain may take this long at most (the pika peer is the slow one).
drain_timeout=$((180 + count / 20))
# The worker processes read no settings but ours (no SMTP server: e-mails go to the file outbox).
unset REMIT_CONFIG REMIT_SMTP_URL REMIT_AMQP_URL REMIT_DATA_DIR REMIT_MANAGEMENT_URL

ensure_packages gcc
ensure_broker
ensure_python_modules pika  # the backlogs' publisher, the drains' monitor and the peer
postgres=0
if [[ " $modes " =~ \ pg- ]]; then
  postgres=1
  ensure_packages postgresql-15
  ensure_python_modules pg8000  # kinds.py and portal_list.py read the store on PostgreSQL with it
fi

# rabbitmqctl, bounded: a vhost operation that hangs fails the mode instead of the whole run.
ctl() { if [ "$(id -u)" -eq 0 ]; then timeout 120 rabbitmqctl -q "$@"; else timeout 120 sudo rabbitmqctl -q "$@"; fi; }
# Job control: each background job (a mode, the distribution worker) is a process group of its
# own, so that clean-up reaches everything it started (kinds.py, the worker under measurement).
set -m
job=""  # the process group running now: a mode, or the distribution worker
cleanup() {
  local vhost
  if [ -n "$job" ]; then
    # SIGTERM drains a worker; kinds.py stops the one it started before it exits.
    kill -TERM -- "-$job" 2>/dev/null || true
    local deadline=$((SECONDS + 70))
    while kill -0 -- "-$job" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
    kill -KILL -- "-$job" 2>/dev/null || true
  fi
  # Only the vhosts this invocation made (their names end in our pid).
  for vhost in $(ctl list_vhosts 2>/dev/null | grep -E "^remit-bench-.*-$$\$" || true); do
    ctl delete_vhost "$vhost" >/dev/null 2>&1 || true
  done
  stop_broker_if_started
  stop_postgres
}
trap cleanup EXIT

# The binaries: BENCH_BIN as given; --quick the debug build already there; else a release build.
if [ -n "${BENCH_BIN:-}" ]; then
  bin="$BENCH_BIN"
elif [ $quick = 1 ]; then
  bin="$(swift build --show-bin-path)"
else
  build_bench_binaries
fi
for tool in remit remit-bench; do
  [ -x "$bin/$tool" ] || { log "$bin/$tool is missing (build it, or set BENCH_BIN)"; exit 1; }
done
mkdir -p "$out"
# Nothing from an earlier invocation may stand in for this one's (e-mail dispatch starts from the
# invoice-requests run's store).
rm -rf "$out"/{worker,latency,ramp-payment,payment-posting,payment-posting-traced,cart-validation,invoice-requests,email-dispatch,channel-updates,pika-peer,big-seed,pg-payment-posting}-* \
  "$out/big" "$out/big-pg" "$out/world-pg"
[ $postgres = 0 ] || start_postgres 100 remit
gcc -O2 -Wall -o "$out/c_relay" scripts/benchmarks/c_relay.c -lrabbitmq
gcc -O2 -Wall -pthread -o "$out/c_broker" scripts/benchmarks/c_broker.c -lrabbitmq
gcc -O2 -Wall -o "$out/c_paced" scripts/benchmarks/c_paced.c -lrabbitmq
results="$out/results.jsonl"
: > "$results"
broker_pid=$(pgrep -o -f 'beam.smp.*rabbit' || true)
# utime + stime of the broker's Erlang VM, in clock ticks (0 when it cannot be found).
broker_cpu_ticks() { if [ -n "$broker_pid" ]; then awk '{print $14 + $15}' "/proc/$broker_pid/stat"; else echo 0; fi; }
kinds() { python3 scripts/benchmarks/kinds.py "$@"; }

# A fresh vhost with Remit's topology; sets `vhost` and `url`.
new_vhost() {
  vhost="remit-bench-$1-$$"
  url="amqp://guest:guest@127.0.0.1:5672/$vhost"
  ctl add_vhost "$vhost"
  ctl set_permissions -p "$vhost" guest '.*' '.*' '.*'
  "$bin/remit" topology apply --amqp-url "$url" --log-level warning >/dev/null
}

drop_vhost() { ctl delete_vhost "$vhost"; }

# Distributes the HQ store in $1 to its channel store, as in production: a hq-distribution and
# channel-updates worker applies what `remit hq run-job Distribution` publishes (at most 10,000
# invoices a run; a run that stopped at its limit starts the next itself, and one more run is
# started until one finds nothing), then waits until the store holds all HQ has.
# With a postgres:// URL as $2, the channel store is that database (HQ's stays the file in $1).
distribute_world() {
  local world=$1 store=${2:-} mode=${3:-} line invoices mode_vhost=${vhost:-} mode_url=${url:-}
  local stores=(--data-dir "$world") started cpu rss
  started=$(date +%s.%N)
  [ -z "$store" ] || stores+=(--store "$store")
  new_vhost "distribute-$(basename "$world")"
  "$bin/remit" worker hq-distribution channel-updates "${stores[@]}" --amqp-url "$url" --log-level warning \
    > "$world/distribution-worker.log" 2>&1 &
  local worker=$!
  job=$worker
  while true; do
    line=$("$bin/remit" hq run-job Distribution "${stores[@]}" --amqp-url "$url" --wait 1200 --log-level warning | tail -n 1)
    log "distribution: $line"
    [[ "$line" == succeeded:* ]] || { log "the Distribution run did not succeed"; return 1; }
    [[ "$line" =~ invoices=[1-9] ]] || break
  done
  invoices=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM invoice").fetchone()[0])' \
    "$world/hq.sqlite")
  kinds world-wait --store "${store:-$world/channel.sqlite}" --hq "$world/hq.sqlite" --timeout $((600 + invoices / 500))
  if [ -n "$mode" ]; then
    # The first sync as a figure: HQ's runs and the channel's writes, end to end, with the one
    # worker process's CPU and peak RSS (memory is bounded by the prefetch, not by the backlog).
    cpu=$(awk '{print ($14 + $15) / 100}' "/proc/$worker/stat")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$worker/status")
    python3 -c 'import json, sys; s = float(sys.argv[3]); print(json.dumps({"mode": sys.argv[1], "invoices": int(sys.argv[2]),
      "seconds": round(s, 2), "invoices_per_s": round(int(sys.argv[2]) / s), "cpu_s": float(sys.argv[4]),
      "peak_rss_mb": round(int(sys.argv[5]) / 1024, 1)}))' "$mode" "$invoices" "$(echo "$(date +%s.%N) - $started" | bc)" "$cpu" "$rss" \
      >> "$results"
  fi
  kill -TERM "$worker"
  wait "$worker" || { log "the distribution worker did not drain cleanly; see $world/distribution-worker.log"; return 1; }
  job=""
  drop_vhost
  vhost=$mode_vhost url=$mode_url  # the calling mode's own vhost again
}

# The seeded world every kind starts from: `remit hq seed` into $out/world, distributed to its
# channel store. Twice as many invoices as messages, so that cart adds and copy requests find
# distinct pairs. `seed_world DIR URL`: the same world in DIR (its own HQ store, which records what
# it distributed), distributed to the channel store on PostgreSQL at URL.
seed_world() {
  local world=${1:-$out/world} store=${2:-}
  local customers=$((count / 10 > 200 ? count / 10 : 200)) invoices=$((count * 2 > 1000 ? count * 2 : 1000))
  rm -rf "$world"
  log "seeding the world${store:+ for PostgreSQL}: $customers customers, $invoices invoices"
  # The demo users' passwords go straight to the channel store: the seed is told which one.
  "$bin/remit" hq seed --data-dir "$world" ${store:+--store "$store"} --customers "$customers" --invoices "$invoices" --seed 7 \
    --log-level warning >/dev/null 2>&1
  distribute_world "$world" "$store"
}

# The channel store on the run's PostgreSQL, in database $1 (created empty when $2 is "new", or as
# a copy of database $2).
pg_store() {
  local database=$1 from=${2:-}
  pg_sql postgres "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1
  if [ "$from" = new ]; then pg_sql postgres "CREATE DATABASE $database" >/dev/null; elif [ -n "$from" ]; then
    pg_sql postgres "CREATE DATABASE $database TEMPLATE $from" >/dev/null
  fi
  echo "postgres://postgres@127.0.0.1:$pg_port/$database?sslmode=disable"
}

# The payment-posting backlog drained by 1, 2 and 4 `remit worker payment-posting` processes, each
# its own data directory and host name, all on one channel store on PostgreSQL: a copy of the
# distributed world (database bench_world) per drain, a fresh vhost per drain.
run_pg_payment_posting() {
  local rep=$1 processes dir store
  if [ ! -f "$out/world-pg/distributed" ]; then
    seed_world "$out/world-pg" "$(pg_store bench_world new)"
    touch "$out/world-pg/distributed"
  fi
  for processes in 1 2 4; do
    dir="$out/pg-payment-posting-$processes-$rep"
    rm -rf "$dir"
    mkdir -p "$dir"
    store=$(pg_store "bench_pp_$processes" bench_world)
    drop_vhost
    new_vhost "pg-payment-posting-$processes-$rep"
    log "rep $rep/$reps payment posting on PostgreSQL, $processes process(es): filling $count messages"
    kinds fill payment-posting --store "$store" --amqp-url "$url" --count "$count" --plan "$dir/plan.json" --tag "bench-pg-$processes-$rep"
    log "rep $rep/$reps payment posting on PostgreSQL, $processes process(es): draining"
    kinds measure payment-posting --store "$store" --amqp-url "$url" --plan "$dir/plan.json" --log "$dir/process.log" \
      --broker-pid "${broker_pid:-0}" --timeout "$drain_timeout" --processes "$processes" --mode "pg:payment-posting:$processes" -- \
      "$bin/remit" worker payment-posting --data-dir "$dir/p{n}" --host-name "p{n}" --store "$store" --amqp-url "$url" \
      --topology-dir Topology --log-level warning --prefetch "$prefetch" --batch-size "$batch"
    pg_sql postgres "DROP DATABASE bench_pp_$processes WITH (FORCE)" >/dev/null
  done
}

# `remit hq seed` of $big_invoices invoices into a fresh data directory, timed: one JSON line. The
# first rep's world stays for portal-list ($out/big); the others are removed.
run_hq_seed() {
  local rep=$1 dir="$out/big-seed-$1"
  rm -rf "$dir"
  log "rep $rep/$reps remit hq seed: $big_invoices invoices, $big_customers customers"
  python3 - "$bin/remit" "$dir" "$big_customers" "$big_invoices" <<'PY'
import json, resource, subprocess, sys, time
remit, directory, customers, invoices = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
started = time.monotonic()
subprocess.run([remit, "hq", "seed", "--data-dir", directory, "--customers", customers, "--invoices", str(invoices),
                "--seed", "7", "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
seconds = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"mode": "hq-seed", "invoices": invoices, "seconds": round(seconds, 2), "invoices_per_s": round(invoices / seconds),
                  "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}))
PY
  if [ "$rep" = 1 ] && [ ! -d "$out/big" ]; then mv "$dir" "$out/big"; else rm -rf "$dir"; fi
}

# The invoice list on the big world, distributed to its channel store once per invocation.
run_portal_list() {
  local rep=$1
  if [ ! -f "$out/big/distributed" ]; then
    if [ ! -f "$out/big/hq.sqlite" ]; then
      rm -rf "$out/big"
      log "seeding the big world: $big_invoices invoices, $big_customers customers"
      "$bin/remit" hq seed --data-dir "$out/big" --customers "$big_customers" --invoices "$big_invoices" --seed 7 \
        --log-level warning >/dev/null 2>&1
    fi
    log "distributing the big world to its channel store"
    distribute_world "$out/big" "" channel-sync
    touch "$out/big/distributed"
  fi
  log "rep $rep/$reps portal invoice list on $big_invoices invoices"
  python3 scripts/benchmarks/portal_list.py --bin "$bin" --data-dir "$out/big" --amqp-url "$url" --requests "$list_requests"
}

# The invoice list on the big world with its channel store on PostgreSQL: seeded again in
# $out/big-pg (HQ records what it distributed) and distributed to database bench_big, once per
# invocation.
run_pg_portal_list() {
  local rep=$1 store="postgres://postgres@127.0.0.1:$pg_port/bench_big?sslmode=disable"
  if [ ! -f "$out/big-pg/distributed" ]; then
    rm -rf "$out/big-pg"
    log "seeding the big world for PostgreSQL: $big_invoices invoices, $big_customers customers"
    pg_store bench_big new >/dev/null
    "$bin/remit" hq seed --data-dir "$out/big-pg" --store "$store" --customers "$big_customers" --invoices "$big_invoices" \
      --seed 7 --log-level warning >/dev/null 2>&1
    log "distributing the big world to its channel store on PostgreSQL"
    distribute_world "$out/big-pg" "$store" pg-channel-sync
    touch "$out/big-pg/distributed"
  fi
  log "rep $rep/$reps portal invoice list on $big_invoices invoices, the store on PostgreSQL"
  python3 scripts/benchmarks/portal_list.py --bin "$bin" --data-dir "$out/big-pg" --amqp-url "$url" --requests "$list_requests" \
    --store "$store" --mode pg-portal-list
}

# Dead letters at volume: bad messages dead-lettered by the worker runtime, collected into the
# operations store, and all replayed (remit-bench dead-letters), in this rep's vhost.
run_dead_letters() {
  local rep=$1
  log "rep $rep/$reps dead letters: $dead_letters dead-lettered, collected and replayed"
  rm -rf "$out/dead-letters-$rep"
  # Each dead-lettered message is a warning in the log: kept in a file, not on the terminal.
  "$bin/remit-bench" dead-letters --amqp-url "$url" --count "$dead_letters" --data-dir "$out/dead-letters-$rep" \
    2> "$out/dead-letters-$rep.log" | python3 -c 'import json,sys
for line in sys.stdin:
    r = json.loads(line); r["mode"] = "dead-letters:" + r["mode"]; print(json.dumps(r), flush=True)'
  rm -rf "$out/dead-letters-$rep" "$out/dead-letters-$rep.log"
}

# One ceiling or runtime mode: fill remit.smoke (not for the broker alone), drain, one JSON line.
run_ceiling() {
  local mode=$1 rep=$2 line before after
  if [ "$mode" != broker ]; then
    log "rep $rep/$reps $mode: filling $count messages"
    "$bin/remit-bench" fill --amqp-url "$url" --count "$count"
  fi
  log "rep $rep/$reps $mode: draining"
  before=$(broker_cpu_ticks)
  line=$(case "$mode" in
    broker) "$out/c_broker" 127.0.0.1 5672 "$vhost" "$count" "$prefetch" "$batch" 512 remit.smoke remit smoke.record ;;
    c-relay) "$out/c_relay" 127.0.0.1 5672 "$vhost" "$count" "$prefetch" "$batch" remit.smoke remit smoke.recorded ;;
    relay) "$bin/remit-bench" relay --amqp-url "$url" --count "$count" --prefetch "$prefetch" --batch-size "$batch" \
             --exchange remit --routing-key smoke.recorded ;;
    worker) "$bin/remit-bench" worker --amqp-url "$url" --count "$count" --prefetch "$prefetch" --batch-size "$batch" \
              --data-dir "$out/worker-$rep" ;;
  esac)
  after=$(broker_cpu_ticks)
  # The broker's CPU over the same drain (it shares the cores with the process measured).
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["broker_cpu_s_per_1000"]=round((int(sys.argv[3])-int(sys.argv[2]))/int(sys.argv[4])/r["messages"]*1000,4); print(json.dumps(r))' \
    "$line" "$before" "$after" "$(getconf CLK_TCK)"
}

# One worker kind (or the pika peer): its own data directory with a copy of the seeded channel
# store (e-mail dispatch: of the store the invoice-requests run left, whose B2B requests it
# e-mails), the backlog published, then one process drains it.
run_kind() {
  local mode=$1 rep=$2 dir="$out/$1-$2" source="$out/world/channel.sqlite" kind=$1
  rm -rf "$dir"
  [ "$mode" = email-dispatch ] && source="$out/invoice-requests-$rep/channel.sqlite"
  [ "$mode" = pika-peer ] && kind=payment-posting
  kinds copy-store --store "$source" --to "$dir/channel.sqlite"
  log "rep $rep/$reps $mode: filling $count messages"
  kinds fill "$mode" --store "$dir/channel.sqlite" --amqp-url "$url" --count "$count" --plan "$dir/plan.json" --tag "bench-$rep"
  log "rep $rep/$reps $mode: draining"
  local command=("$bin/remit" worker "$kind" --data-dir "$dir" --amqp-url "$url" --topology-dir Topology --log-level warning
                 --prefetch "$prefetch" --batch-size "$batch")
  [ "$mode" = pika-peer ] && command=(python3 scripts/benchmarks/pika_worker.py --amqp-url "$url" --db "$dir/channel.sqlite"
                                      --prefetch "$prefetch")
  kinds measure "$mode" --store "$dir/channel.sqlite" --amqp-url "$url" --plan "$dir/plan.json" --log "$dir/process.log" \
    --broker-pid "${broker_pid:-0}" --timeout "$drain_timeout" -- "${command[@]}"
}

# Payment posting as `run_kind payment-posting`, with OTEL_EXPORTER_OTLP_ENDPOINT set: every message's
# spans exported over OTLP/HTTP to a receiver of the run's own, which decodes and counts them. The
# result carries how many spans arrived (the exporter drops what overflows its queue of 2,048).
run_traced_payment_posting() {
  local rep=$1 dir="$out/payment-posting-traced-$1" port receiver line waited=0
  rm -rf "$dir"
  kinds copy-store --store "$out/world/channel.sqlite" --to "$dir/channel.sqlite"
  log "rep $rep/$reps payment-posting-traced: filling $count messages"
  kinds fill payment-posting --store "$dir/channel.sqlite" --amqp-url "$url" --count "$count" --plan "$dir/plan.json" --tag "traced-$rep"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 scripts/testing/otlp_receiver.py --port "$port" --count "$dir/spans.count" > "$dir/receiver.log" 2>&1 &
  receiver=$!
  until grep -q listening "$dir/receiver.log" 2>/dev/null; do
    sleep 0.1; waited=$((waited + 1))
    [ "$waited" -lt 300 ] || { kill "$receiver"; log "the OTLP receiver did not start; see $dir/receiver.log"; return 1; }
  done
  log "rep $rep/$reps payment-posting-traced: draining, spans to 127.0.0.1:$port"
  line=$(kinds measure payment-posting --mode kind:payment-posting-traced --store "$dir/channel.sqlite" --amqp-url "$url" \
    --plan "$dir/plan.json" --log "$dir/process.log" --broker-pid "${broker_pid:-0}" --timeout "$drain_timeout" -- \
    env OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$port" OTEL_SERVICE_NAME=remit-bench \
    "$bin/remit" worker payment-posting --data-dir "$dir" --amqp-url "$url" --topology-dir Topology --log-level warning \
    --prefetch "$prefetch" --batch-size "$batch") || { kill "$receiver"; return 1; }
  kill "$receiver"
  wait "$receiver" 2>/dev/null || true
  python3 -c 'import json, sys; r = json.loads(sys.argv[1]); r["spans_exported"] = int(open(sys.argv[2]).read() or 0) if sys.argv[2] else 0
if r["spans_exported"] == 0: sys.exit("payment-posting-traced: no span reached the receiver")
print(json.dumps(r))' "$line" "$dir/spans.count"
}

# The worker runtime with 2 and 4 consumers (one process, one store), each on a fresh vhost.
run_scale() {
  local rep=$1 consumers before after line
  for consumers in 2 4; do
    drop_vhost
    new_vhost "scale-$consumers-$rep"
    log "rep $rep/$reps worker with $consumers consumers: filling $count messages"
    "$bin/remit-bench" fill --amqp-url "$url" --count "$count"
    before=$(broker_cpu_ticks)
    line=$("$bin/remit-bench" worker --amqp-url "$url" --count "$count" --prefetch "$prefetch" --batch-size "$batch" \
             --consumers "$consumers" --data-dir "$out/worker-$rep")
    after=$(broker_cpu_ticks)
    python3 -c 'import json,sys; r=json.loads(sys.argv[1]); r["mode"]="worker-consumers:"+sys.argv[5]; r["broker_cpu_s_per_1000"]=round((int(sys.argv[3])-int(sys.argv[2]))/int(sys.argv[4])/r["messages"]*1000,4); print(json.dumps(r))' \
      "$line" "$before" "$after" "$(getconf CLK_TCK)" "$consumers"
  done
}

# Latency at two steady rates, each measurement on a fresh vhost: the broker alone, the worker
# runtime, and `remit worker payment-posting` on a copy of the seeded world's store.
run_latency() {
  local rep=$1 rate only dir
  for rate in 500 4000; do
    drop_vhost
    new_vhost "latency-$rate-payment-$rep"
    dir="$out/latency-payment-$rate-$rep"
    rm -rf "$dir"
    kinds copy-store --store "$out/world/channel.sqlite" --to "$dir/channel.sqlite"
    log "rep $rep/$reps latency at $rate msg/s (payment posting): $latency_seconds s"
    kinds latency --store "$dir/channel.sqlite" --amqp-url "$url" --rate "$rate" --seconds "$latency_seconds" \
      --log "$dir/process.log" --tag "latency-$rate-$rep" --publisher "$out/c_paced" -- \
      "$bin/remit" worker payment-posting --data-dir "$dir" --amqp-url "$url" --topology-dir Topology --log-level ${BENCH_LATENCY_LOG_LEVEL:-warning} \
      --prefetch "$prefetch" --batch-size "$batch"
    rm -rf "$dir"
    for only in --broker-only ""; do
      drop_vhost
      new_vhost "latency-$rate${only:+-broker}-$rep"
      log "rep $rep/$reps latency at $rate msg/s${only:+ (broker alone)}: $latency_seconds s"
      "$bin/remit-bench" latency --amqp-url "$url" --rate "$rate" --seconds "$latency_seconds" --prefetch "$prefetch" \
        --batch-size "$batch" --data-dir "$out/latency-$rep" $only
    done
  done
}

# The ramp: payment posting at rising steady rates in one worker process, on a copy of the world.
run_ramp() {
  local rep=$1 dir="$out/ramp-payment-$1"
  rm -rf "$dir"
  kinds copy-store --store "$out/world/channel.sqlite" --to "$dir/channel.sqlite"
  log "rep $rep/$reps ramp of payment posting at $ramp_rates msg/s, $ramp_seconds s each"
  kinds ramp --store "$dir/channel.sqlite" --amqp-url "$url" --rates "$ramp_rates" --seconds "$ramp_seconds" --broker-pid "${broker_pid:-0}" \
    --log "$dir/process.log" --tag "ramp-$rep" --publisher "$out/c_paced" -- \
    "$bin/remit" worker payment-posting --data-dir "$dir" --amqp-url "$url" --topology-dir Topology --log-level ${BENCH_LATENCY_LOG_LEVEL:-warning} \
    --prefetch "$prefetch" --batch-size "$batch"
  rm -rf "$dir"
}

run_mode() {
  local mode=$1 rep=$2
  new_vhost "$mode-$rep"
  case "$mode" in
    broker|c-relay|relay|worker) run_ceiling "$mode" "$rep" ;;
    latency) run_latency "$rep" ;;
    ramp) run_ramp "$rep" ;;
    hq-seed) run_hq_seed "$rep" ;;
    portal-list) run_portal_list "$rep" ;;
    pg-portal-list) run_pg_portal_list "$rep" ;;
    pg-payment-posting) run_pg_payment_posting "$rep" ;;
    payment-posting-traced) run_traced_payment_posting "$rep" ;;
    dead-letters) run_dead_letters "$rep" ;;
    scale) run_scale "$rep" ;;
    *) run_kind "$mode" "$rep" ;;
  esac
  drop_vhost
}

started=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ " $modes " =~ \ (latency|ramp|payment-posting|cart-validation|invoice-requests|email-dispatch|channel-updates|pika-peer)\  ]]; then
  seed_world
fi
failed=()
for rep in $(seq 1 "$reps"); do
  for mode in $modes; do
    # In a job of its own so that `set -e` holds inside it and one failing mode does not stop the others.
    run_mode "$mode" "$rep" >> "$results" &
    job=$!
    if wait "$job"; then
      tail -n 1 "$results" >&2
    else
      log "rep $rep/$reps $mode FAILED"
      failed+=("$mode/$rep")
    fi
    job=""
  done
done
log "all modes took $((SECONDS - started)) s; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ${#failed[@]} -gt 0 ]; then
  log "failed: ${failed[*]} — no figures written"
  exit 1
fi
if [ $quick = 1 ]; then
  doc="$out/BENCHMARKS.md" json="$out/BENCHMARKS${block:+-$block}.json"
  [ -f "$doc" ] || printf '# scripts/bench --quick (not kept)\n\n<!-- bench:begin --><!-- bench:end -->\n<!-- bench-postgres:begin --><!-- bench-postgres:end -->\n<!-- bench-tracing:begin --><!-- bench-tracing:end -->\n' > "$doc"
else
  doc=BENCHMARKS.md json=BENCHMARKS${block:+-$block}.json
fi
python3 scripts/benchmarks/report.py --results "$results" --doc "$doc" --json "$json" --count "$count" --reps "$reps" \
  --prefetch "$prefetch" --batch "$batch" --seconds "$((SECONDS - started))" --load "$load_before" \
  $([ $quick = 1 ] && echo --quick) ${block:+--block "$block"}
