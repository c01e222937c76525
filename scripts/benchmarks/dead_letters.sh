#!/usr/bin/env bash
# scripts/bench dead-letters: BENCH_DL_COUNT (default 100000) malformed messages dead-lettered by
# the worker runtime, collected into the operations store, and all replayed, in a fresh vhost;
# writes the figures to BENCHMARKS.md (between the dead-letters markers).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh

count="${BENCH_DL_COUNT:-100000}"
ensure_packages
ensure_broker
trap stop_broker_if_started EXIT

build_bench_binaries
results=.build/bench/dead-letters.jsonl
vhost="remit-bench-dead-letters-$$"
url="amqp://guest:guest@127.0.0.1:5672/$vhost"
as_root rabbitmqctl -q add_vhost "$vhost"
as_root rabbitmqctl -q set_permissions -p "$vhost" guest '.*' '.*' '.*'
"$bin/remit" topology apply --amqp-url "$url" --log-level warning >/dev/null
log "dead-lettering, collecting and replaying $count messages"
"$bin/remit-bench" dead-letters --amqp-url "$url" --count "$count" --data-dir .build/bench/dead-letters | tee "$results"
as_root rabbitmqctl -q delete_vhost "$vhost"

python3 - "$results" "$count" <<'PY'
import json, sys, datetime, platform, os, re
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
count = int(sys.argv[2])
names = {"dead-letter": "dead-lettered by the worker runtime (bad input)", "collect": "collected into operations.sqlite (ack after commit)",
         "replay": "replayed: re-published with confirms, each deleted after its confirm"}
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [f"Run {when} on {platform.node()} ({os.cpu_count()} cores); {count:,} dead letters of the smoke kind, one run.", "",
         "| step | messages/s | seconds | process CPU s / 1,000 | peak RSS |", "|---|---:|---:|---:|---:|"]
for row in rows:
    lines.append(f"| {names.get(row['mode'], row['mode'])} | {row['msg_per_s']:,.0f} | {row['seconds']:.1f} | {row['cpu_s_per_1000']:.3f} | {row['peak_rss_mb']:.1f} MB |")
block = "<!-- dead-letters:begin (written by scripts/bench dead-letters) -->\n\n" + "\n".join(lines) + "\n\n<!-- dead-letters:end -->"
text = open("BENCHMARKS.md").read()
pattern = re.compile(r"<!-- dead-letters:begin.*?<!-- dead-letters:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: block, text)
else:
    text += "\n## Dead letters at volume (issue #9)\n\n`scripts/bench dead-letters` (`BENCH_DL_COUNT`, default 100,000).\n\n" + block + "\n"
open("BENCHMARKS.md", "w").write(text)
print("\n".join(lines))
PY
