"""Writes the medians of scripts/bench's results into BENCHMARKS.md, between the bench markers
(keeping the hand-written notes around them), and every run's raw figures into BENCHMARKS.json
beside it. When a previous JSON copy exists, compares this run with it, row by row."""
import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone

MODES = [
    ("broker", "broker alone: confirming publisher ∥ consumer, one quorum queue (C)"),
    ("c-relay", "C relay on rabbitmq-c"),
    ("relay", "(a) relay on RemitAMQP"),
    ("worker", "(b) worker runtime, smoke handler (remit-bench worker)"),
    ("worker-consumers:2", "(b) with 2 consumers in the process"),
    ("worker-consumers:4", "(b) with 4 consumers in the process"),
    ("kind:payment-posting", "remit worker payment-posting: payment.post"),
    ("kind:payment-posting-traced", "remit worker payment-posting, traces exported (OTLP/HTTP)"),
    ("kind:cart-validation", "remit worker cart-validation: cart.add-invoice"),
    ("kind:invoice-requests", "remit worker invoice-requests: invoice.request"),
    ("kind:email-dispatch", "remit worker email-dispatch: email.send → file outbox"),
    ("kind:channel-updates", "remit worker channel-updates: channel.invoices.changed"),
    ("kind:pika-peer", "peer: payment posting in Python on pika"),
    ("pg:payment-posting:1", "remit worker payment-posting on PostgreSQL: 1 process"),
    ("pg:payment-posting:2", "remit worker payment-posting on PostgreSQL: 2 processes"),
    ("pg:payment-posting:4", "remit worker payment-posting on PostgreSQL: 4 processes"),
]
FIGURES = ("msg_per_s", "cpu_s_per_1000", "broker_cpu_s_per_1000", "peak_rss_mb", "anon_rss_mb", "seconds", "written_kb_per_msg")

parser = argparse.ArgumentParser()
for name in ("--results", "--doc", "--json", "--load"):
    parser.add_argument(name, required=True)
for name in ("--count", "--reps", "--prefetch", "--batch", "--seconds"):
    parser.add_argument(name, type=int, required=True)
parser.add_argument("--quick", action="store_true")
parser.add_argument("--block", default="", help="write between the markers bench-BLOCK:begin/end instead of bench:begin/end")
args = parser.parse_args()
marker = "bench" + (f"-{args.block}" if args.block else "")

runs = [json.loads(line) for line in open(args.results) if line.startswith("{")]
medians = {}
for mode, _ in MODES:
    mine = [run for run in runs if run["mode"] == mode]
    if mine:
        medians[mode] = {key: statistics.median(run[key] for run in mine) for key in FIGURES if all(key in run for run in mine)}
        medians[mode]["runs"] = [run["msg_per_s"] for run in mine]
        if "mean_bytes" in mine[0]:
            medians[mode]["mean_bytes"] = mine[0]["mean_bytes"]


def command(*words):
    try:
        return subprocess.run(words, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return "?"


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


now = datetime.now(timezone.utc)
record = {
    "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"host": platform.node(), "cores": os.cpu_count(), "cpu": cpu_model(), "kernel": platform.release(),
                "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
    "broker_version": command("rabbitmqctl", "version"),
    "command": ("scripts/bench" + (f" {args.block}" if args.block else "") + (" --quick" if args.quick else "")),
    "count": args.count, "reps": args.reps, "prefetch": args.prefetch, "batch": args.batch, "seconds": args.seconds,
    "load_average_before": args.load, "load_average_after": open("/proc/loadavg").read().split()[:3],
    "runs": runs, "medians": medians,
}


def ratio(mode, to="relay"):
    if mode in medians and to in medians and medians[to]["msg_per_s"]:
        return medians[mode]["msg_per_s"] / medians[to]["msg_per_s"]
    return None


def figure(m, key, fmt):
    return format(m[key], fmt) if key in m else "?"


lines = [f"<!-- {marker}:begin (written by scripts/bench; edit outside these markers) -->", "",
         f"Run {now:%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, {cpu_model()}), RabbitMQ "
         f"{record['broker_version']}, `{record['command']}`: {args.count:,} persistent messages per mode from durable quorum "
         f"queues, prefetch {args.prefetch}, batch {args.batch}, median of {args.reps} run{'s' if args.reps > 1 else ''} "
         f"(all runs: {os.path.basename(args.json)}); load average {args.load} before. CPU is per 1,000 messages, for the measured process "
         f"and, separately, for the broker over the same drain; both share the machine's cores.", "",
         "| pipeline | msg/s (median) | min–max | process CPU s / 1,000 | broker CPU s / 1,000 | process / broker CPU (aim ≤ 0.5) "
         "| peak RSS (aim ≤ 20 MB; anonymous) | written KB / message | × relay (a) |",
         "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
if not any(mode in medians for mode, _ in MODES):
    lines = lines[:-3]  # no pipeline was measured (BENCH_MODES): no empty table
for mode, label in MODES:
    if mode not in medians:
        continue
    m = medians[mode]
    size = f" (≈ {m['mean_bytes']:,} B)" if "mean_bytes" in m else ""
    share = ratio(mode)
    against = (format(m["cpu_s_per_1000"] / m["broker_cpu_s_per_1000"], ".2f")
               if m.get("cpu_s_per_1000") and m.get("broker_cpu_s_per_1000") else "")
    lines.append(f"| {label}{size} | {m['msg_per_s']:,.0f} | {min(m['runs']):,.0f}–{max(m['runs']):,.0f} | "
                 f"{figure(m, 'cpu_s_per_1000', '.3f')} | {figure(m, 'broker_cpu_s_per_1000', '.3f')} | {against} | "
                 f"{figure(m, 'peak_rss_mb', '.1f')} MB{' (' + figure(m, 'anon_rss_mb', '.1f') + ')' if 'anon_rss_mb' in m else ''} | "
                 f"{figure(m, 'written_kb_per_msg', '.1f') if 'written_kb_per_msg' in m else ''} | {'' if share is None else format(share, '.2f')} |")
lines.append("")
for mode, to, text, aim in [("worker", "relay", "(b) / (a)", "aim ≥ 0.85"), ("relay", "c-relay", "(a) / C relay", ""),
                            ("relay", "broker", "(a) / broker alone", ""),
                            ("kind:payment-posting", "relay", "payment-posting / (a)", "aim ≥ 0.85"),
                            ("kind:payment-posting", "kind:pika-peer", "payment-posting / pika peer", "aim ≥ 15"),
                            ("kind:payment-posting-traced", "kind:payment-posting", "payment-posting traced / untraced", "aim ≥ 0.5"),
                            ("pg:payment-posting:1", "kind:payment-posting", "payment-posting on PostgreSQL, 1 process / on SQLite", ""),
                            ("pg:payment-posting:2", "pg:payment-posting:1", "PostgreSQL, 2 processes / 1", ""),
                            ("pg:payment-posting:4", "pg:payment-posting:1", "PostgreSQL, 4 processes / 1", "")]:
    if ratio(mode, to) is not None:
        lines.append(f"{text} = {ratio(mode, to):.2f}{f' ({aim})' if aim else ''}  ")

# Latency: publish → visible, the medians over the reps of each percentile.
LATENCY = [(f"{kind}:{rate}", rate, label) for rate in (500, 4000)
           for kind, label in (("latency-broker", "broker alone: publish → delivery"),
                               ("latency", "worker runtime (smoke): publish → row visible in channel.sqlite"),
                               ("latency-payment", "remit worker payment-posting: publish → payment row visible in channel.sqlite"))]
latency_rows = []
for mode, rate, label in LATENCY:
    mine = [run for run in runs if run["mode"] == mode]
    if mine:
        m = {key: statistics.median(run[key] for run in mine) for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms")}
        m["messages"] = mine[0]["messages"]
        medians[mode] = m
        latency_rows.append(f"| {rate:,} msg/s | {label} | {m['messages']:,} | {m['p50_ms']:.1f} | {m['p90_ms']:.1f} | "
                            f"{m['p99_ms']:.1f} | {m['max_ms']:.1f} |")
if latency_rows:
    lines += ["", "Latency (exact percentiles of every message after one second of warm-up; ms; median over the reps; "
              "aim for payment posting p99 ≤ 5 ms at 500 msg/s and ≤ 15 ms at 4,000 msg/s):", "",
              "| rate | path | messages | p50 | p90 | p99 | max |", "|---|---|---:|---:|---:|---:|---:|"] + latency_rows

# The ramp: one worker process through rising steady rates (medians over the reps per step).
ramp_rows = []
for rate in sorted({run["rate"] for run in runs if run["mode"].startswith("ramp-payment:")}):
    mine = [run for run in runs if run["mode"] == f"ramp-payment:{rate}"]
    keys = ("published_per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "depth_start", "depth_end", "depth_max",
            "worker_cores", "broker_cores", "publisher_cores")
    m = {key: statistics.median(run[key] for run in mine) for key in keys}
    m["messages"] = mine[0]["messages"]
    medians[f"ramp-payment:{rate}"] = m
    keeps_up = "yes" if m["depth_end"] <= max(m["depth_start"], 1000) else "no: the queue grows"
    ramp_rows.append(f"| {rate:,} | {m['published_per_s']:,.0f} | {m['messages']:,} | {m['p50_ms']:.1f} | {m['p90_ms']:.1f} | "
                     f"{m['p99_ms']:.1f} | {m['max_ms']:.1f} | {m['depth_start']:,.0f} → {m['depth_end']:,.0f} "
                     f"(peak {m['depth_max']:,.0f}) | {m['worker_cores']:.2f} / {m['broker_cores']:.2f} / "
                     f"{m['publisher_cores']:.2f} | {keeps_up} |")
if ramp_rows:
    lines += ["", "The ramp: `remit worker payment-posting`, one process, the rates one after the other (after one second "
              "of warm-up), publish → payment row visible in ms; the work queue's ready messages sampled every 100 ms "
              "(a step keeps up when its queue ends no deeper than it began, or than one prefetch); aim: no growth below "
              "the backlog drain rate. The cores each process kept busy over the step show what the machine had left "
              "(the paced publisher is c_paced, on rabbitmq-c):", "",
              "| rate | published/s | messages | p50 | p90 | p99 | max | queue depth: start → end (peak) "
              "| cores: worker / broker / publisher | keeps up |",
              "|---:|---:|---:|---:|---:|---:|---:|---|---|---|"] + ramp_rows

# Data at scale: the seed, the invoice list, the dead letters (medians over the reps).
scale_rows = []
seeds = [run for run in runs if run["mode"] == "hq-seed"]
if seeds:
    m = {key: statistics.median(run[key] for run in seeds) for key in ("seconds", "invoices_per_s", "cpu_s", "peak_rss_mb")}
    m["invoices"] = seeds[0]["invoices"]
    medians["hq-seed"] = m
    scale_rows.append(f"| `remit hq seed` of {m['invoices']:,} invoices | {m['seconds']:.1f} s "
                      f"({min(r['seconds'] for r in seeds):.1f}–{max(r['seconds'] for r in seeds):.1f}); "
                      f"{m['invoices_per_s']:,.0f} invoices/s, {m['cpu_s']:.1f} CPU s, peak RSS {m['peak_rss_mb']:.0f} MB | ≤ 60 s |")
for mode, where in (("channel-sync", ""), ("pg-channel-sync", ", the channel store on PostgreSQL")):
    for sync in (run for run in runs if run["mode"] == mode):  # once per invocation
        medians[mode] = sync
        scale_rows.append(f"| first sync of {sync['invoices']:,} invoices{where}: chained Distribution runs (≤ 10,000 invoices or a weight of 20,000 each) published to one "
                          f"`remit worker hq-distribution channel-updates` process, until the channel store holds them all "
                          f"| {sync['seconds']:.1f} s; {sync['invoices_per_s']:,.0f} invoices/s, {sync['cpu_s']:.1f} CPU s, "
                          f"peak RSS {sync['peak_rss_mb']:.0f} MB | ≥ 20,000 invoices/s; ≤ 100 MB |")
for prefix, where in (("portal-list", ""), ("pg-portal-list", ", the channel store on PostgreSQL")):
    for surface, what in (("page", "the Invoices page (HTML)"), ("api", "the API's list (JSON)")):
        for role in ("typical", "largest"):
            mine = [run for run in runs if run["mode"] == f"{prefix}:{surface}:{role}"]
            if not mine:
                continue
            m = {key: statistics.median(run[key] for run in mine) for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms")}
            first = mine[0]
            m.update({key: first[key] for key in ("invoices_in_store", "unpaid_seen", "pages", "requests", "organization_member")})
            medians[f"{prefix}:{surface}:{role}"] = m
            who = "an organization member (own + organization's invoices)" if m["organization_member"] else "a customer of its own"
            scale_rows.append(f"| {what}{where}, unpaid, page 1 of {m['pages']:,}: {who}, {m['unpaid_seen']:,} unpaid of "
                              f"{m['invoices_in_store']:,} invoices; {m['requests']:,} requests | p50 {m['p50_ms']:.1f} ms, "
                              f"p99 {m['p99_ms']:.1f} ms, max {m['max_ms']:.1f} ms | p99 ≤ 20 ms |")
for step, what, aim in (("dead-letter", "dead-lettered by the worker runtime (bad input)", ""),
                        ("collect", "collected into operations.sqlite", ""),
                        ("replay", "replayed with confirms, each deleted after its confirm", "≥ 5,000/s")):
    mine = [run for run in runs if run["mode"] == f"dead-letters:{step}"]
    if mine:
        m = {key: statistics.median(run[key] for run in mine) for key in FIGURES if all(key in run for run in mine)}
        m["runs"] = [run["msg_per_s"] for run in mine]
        medians[f"dead-letters:{step}"] = m
        scale_rows.append(f"| {mine[0]['messages']:,} dead letters {what} | {m['msg_per_s']:,.0f}/s "
                          f"({min(m['runs']):,.0f}–{max(m['runs']):,.0f}), {figure(m, 'cpu_s_per_1000', '.3f')} CPU s / 1,000, "
                          f"peak RSS {figure(m, 'peak_rss_mb', '.0f')} MB | {aim} |")
if scale_rows:
    lines += ["", "Data at scale (median over the reps, min–max in brackets; the list as a client on loopback sees it, "
              "from a real `remit portal`, exact percentiles):", "", "| what | figure | aim |", "|---|---|---|"] + scale_rows

# This run against the last one written to the same JSON file.
comparison = []
if os.path.exists(args.json):
    try:
        previous = json.load(open(args.json))
        comparison.append(f"Against the run of {previous['date']} ({previous['count']:,} messages, {previous['reps']} reps), msg/s:")
        for mode, label in MODES:
            old = previous.get("medians", {}).get(mode, {}).get("msg_per_s")
            if mode in medians and old:
                new = medians[mode]["msg_per_s"]
                comparison.append(f"- {label}: {old:,.0f} → {new:,.0f} ({(new - old) / old * 100:+.1f} %)")
        for mode, key, label in (("hq-seed", "seconds", "remit hq seed, seconds"),
                                 ("portal-list:page:typical", "p99_ms", "Invoices page p99, ms"),
                                 ("portal-list:api:typical", "p99_ms", "API list p99, ms"),
                                 ("pg-portal-list:page:typical", "p99_ms", "Invoices page on PostgreSQL p99, ms"),
                                 ("pg-portal-list:api:typical", "p99_ms", "API list on PostgreSQL p99, ms"),
                                 ("dead-letters:replay", "msg_per_s", "dead-letter replay, msg/s")):
            old = previous.get("medians", {}).get(mode, {}).get(key)
            if mode in medians and old:
                new = medians[mode][key]
                comparison.append(f"- {label}: {old:,.1f} → {new:,.1f} ({(new - old) / old * 100:+.1f} %)")
    except (ValueError, KeyError) as error:
        comparison = [f"(the previous {args.json} could not be read: {error})"]
if comparison:
    lines += [""] + comparison
lines += ["", f"<!-- {marker}:end -->"]
block = "\n".join(lines)

try:
    doc = open(args.doc).read()
except FileNotFoundError:
    doc = "# Benchmarks\n"
if f"<!-- {marker}:begin" not in doc:
    doc += f"\n<!-- {marker}:begin --><!-- {marker}:end -->\n"
start = doc.index(f"<!-- {marker}:begin")
end = doc.index(f"<!-- {marker}:end -->") + len(f"<!-- {marker}:end -->")
open(args.doc, "w").write(doc[:start] + block + doc[end:])
json.dump(record, open(args.json, "w"), indent=1)
print(block)
