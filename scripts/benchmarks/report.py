"""Writes the medians of scripts/bench's results into BENCHMARKS.md, between the bench markers,
keeping the hand-written notes around them."""
import json
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone

results_path, doc_path, count, reps, prefetch, batch = sys.argv[1:7]
rows = [json.loads(line) for line in open(results_path) if line.startswith("{")]
modes = [("c-relay", "C relay on rabbitmq-c (baseline)"), ("relay", "(a) relay on RemitAMQP"),
         ("worker", "(b) worker runtime: insert + inbox + follow-up")]
medians = {}
for mode, _ in modes:
    runs = [row for row in rows if row["mode"] == mode]
    if runs:
        medians[mode] = {key: statistics.median(run[key] for run in runs)
                         for key in ("msg_per_s", "cpu_s_per_1000", "peak_rss_mb", "anon_rss_mb", "seconds", "broker_cpu_s_per_1000")
                         if all(key in run for run in runs)}
        medians[mode]["runs"] = [run["msg_per_s"] for run in runs]

def broker_version():
    try:
        return subprocess.run(["rabbitmqctl", "version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return "?"

lines = ["<!-- bench:begin (written by scripts/bench; edit outside these markers) -->", "",
         f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()} "
         f"({subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores), RabbitMQ {broker_version()}; "
         f"{count} persistent 512-byte messages from a durable quorum queue, prefetch {prefetch}, batch {batch}, "
         f"median of {reps} runs. CPU is per 1,000 messages, for the measured process and, separately, for the "
         f"broker over the same drain; both share the machine's cores.", "",
         "| pipeline | msg/s (median) | runs | process CPU s / 1,000 | broker CPU s / 1,000 | peak RSS | of it private |",
         "|---|---:|---|---:|---:|---:|---:|"]
def figure(m, key, fmt):
    return format(m[key], fmt) if key in m else "?"

for mode, label in modes:
    if mode in medians:
        m = medians[mode]
        lines.append(f"| {label} | {m['msg_per_s']:,.0f} | {', '.join(f'{r:,.0f}' for r in m['runs'])} | "
                     f"{figure(m, 'cpu_s_per_1000', '.3f')} | {figure(m, 'broker_cpu_s_per_1000', '.3f')} | "
                     f"{figure(m, 'peak_rss_mb', '.1f')} MB | {figure(m, 'anon_rss_mb', '.1f')} MB |")
if "relay" in medians and "worker" in medians:
    lines += ["", f"(b) / (a) = {medians['worker']['msg_per_s'] / medians['relay']['msg_per_s']:.2f} (aim ≥ 0.85)"]
if "relay" in medians and "c-relay" in medians:
    lines += [f"(a) / C relay = {medians['relay']['msg_per_s'] / medians['c-relay']['msg_per_s']:.2f}"]
lines += ["", "<!-- bench:end -->"]
block = "\n".join(lines)

try:
    doc = open(doc_path).read()
except FileNotFoundError:
    doc = "# Benchmarks\n\n<!-- bench:begin --><!-- bench:end -->\n"
start = doc.index("<!-- bench:begin")
end = doc.index("<!-- bench:end -->") + len("<!-- bench:end -->")
open(doc_path, "w").write(doc[:start] + block + doc[end:])
print(block)
