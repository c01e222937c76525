"""Faults against the real pipeline (issue #11): backlogs of payment posts, copy requests and
invoice snapshots (built by scripts/benchmarks/kinds.py from the seeded world, each message
planned to be applied exactly once) drained by one `remit worker` process per kind while a nemesis
SIGKILLs random workers and restarts them, sends SIGTERM under load (each must drain and exit 0),
and restarts the broker's application (every connection closed). Afterwards the checker reads the
stores and the queues alone: every planned message applied exactly once (counts and sums),
nothing left, retrying or dead-lettered, every answer given. Prints the figures as one JSON line;
exits 1 on any violation.

  fault_run.py --data-dir DIR --amqp-url URL --bin BIN --count N --min-kills K --broker-restarts R --out DIR"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import kinds  # noqa: E402
import pika  # noqa: E402

KINDS = ["payment-posting", "invoice-requests", "channel-updates"]


def fail(message):
    print(f"fault_run.py: {message}", file=sys.stderr)
    sys.exit(1)


def as_root(*command):
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    return subprocess.run(prefix + list(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=180)


class Workers:
    """One `remit worker KIND` process per kind; restarted whenever it is gone."""

    def __init__(self, args):
        self.args = args
        self.processes = {}
        self.starts = {kind: 0 for kind in KINDS}
        self.self_exits = []

    def start(self, kind):
        log = open(os.path.join(self.args.out, f"worker-{kind}.log"), "a")
        self.processes[kind] = subprocess.Popen(
            [os.path.join(self.args.bin, "remit"), "worker", kind, "--data-dir", self.args.data_dir, "--amqp-url",
             self.args.amqp_url, "--log-level", "warning"], stdout=log, stderr=subprocess.STDOUT)
        self.starts[kind] += 1

    def revive(self):
        """Restarts every worker that is gone (and notes the ones that ended by themselves)."""
        for kind in KINDS:
            process = self.processes.get(kind)
            if process is None:
                self.start(kind)
            elif process.poll() is not None:
                self.self_exits.append((kind, process.returncode))
                self.start(kind)

    def kill(self, kind):
        process = self.processes.pop(kind)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def terminate(self, kind, timeout=60):
        """SIGTERM: the worker must drain and exit 0."""
        process = self.processes.pop(kind)
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return "no exit within 60 s"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--data-dir", "--amqp-url", "--bin", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--count", type=int, default=3000, help="messages per kind")
    parser.add_argument("--min-kills", type=int, default=50)
    parser.add_argument("--broker-restarts", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=600, help="the run's bound")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    store = os.path.join(args.data_dir, "channel.sqlite")

    # The backlogs, published with confirms before any worker runs.
    plans = {}
    for index, kind in enumerate(KINDS):
        plan_path = os.path.join(args.out, f"plan-{kind}.json")
        kinds.fill(SimpleNamespace(kind=kind, store=store, amqp_url=args.amqp_url, count=args.count, plan=plan_path,
                                   tag=f"fault{index}"))
        plans[kind] = json.load(open(plan_path))
    db = kinds.open_store(store)
    baseline = {kind: kinds.applied(db, kind) for kind in KINDS}

    def done(kind):
        return kinds.applied(db, kind) - baseline[kind]

    workers = Workers(args)
    workers.revive()
    kills = terms = restarts = 0
    violations = []
    total = args.count * len(KINDS)
    restart_at = [total * (i + 1) // (args.broker_restarts + 1) for i in range(args.broker_restarts)]
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()
    while True:
        progress = sum(min(done(kind), args.count) for kind in KINDS)
        if progress >= total and kills >= args.min_kills:
            break
        if time.monotonic() > deadline:
            violations.append(f"bounded run over after {args.seconds} s: {progress} of {total} applied, {kills} kills")
            break
        if restart_at and progress >= restart_at[0]:
            restart_at.pop(0)
            result = as_root("rabbitmqctl", "-q", "stop_app")
            time.sleep(rng.uniform(0.5, 2.0))
            result = as_root("rabbitmqctl", "-q", "start_app")
            if result.returncode != 0:
                fail(f"the broker did not start again: {result.stderr.decode()[:300]}")
            as_root("rabbitmqctl", "-q", "await_startup")
            restarts += 1
        workers.revive()
        time.sleep(rng.uniform(0.1, 0.5))
        kind = rng.choice(KINDS)
        if kind not in workers.processes:
            continue
        if (kills + terms) % 8 == 7:
            code = workers.terminate(kind)
            terms += 1
            if code != 0:
                violations.append(f"{kind}: SIGTERM under load ended with {code}, not a clean drain")
        else:
            workers.kill(kind)
            kills += 1
    elapsed = time.monotonic() - started
    # Let the last restarted workers settle, then stop them all cleanly.
    workers.revive()
    settle = time.monotonic() + 120
    while sum(min(done(kind), args.count) for kind in KINDS) < total and time.monotonic() < settle:
        time.sleep(0.2)
    time.sleep(1)
    for kind in KINDS:
        code = workers.terminate(kind)
        if code != 0:
            violations.append(f"{kind}: the final SIGTERM ended with {code}")

    # The checker: the stores and the queues alone.
    connection = pika.BlockingConnection(pika.URLParameters(args.amqp_url))
    channel = connection.channel()
    replies, duplicated_replies = {}, 0
    seen = set()
    while True:
        method, properties, _ = channel.basic_get(kinds.REPLY_QUEUE, auto_ack=True)
        if method is None:
            break
        key = properties.correlation_id
        if key in seen:
            duplicated_replies += 1
            continue
        seen.add(key)
        tag = (key or "").rsplit("-", 1)[0]
        replies[tag] = replies.get(tag, 0) + 1
    checks = {}
    for kind in KINDS:
        plan = plans[kind]
        try:
            checks[kind] = kinds.check(kind, plan, db, channel, replies.get(plan["tag"], 0), store)
        except SystemExit:
            violations.append(f"{kind}: the counts are off (see above)")
    extra = {kind: done(kind) - args.count for kind in KINDS if done(kind) != args.count}
    if extra:
        violations.append(f"applied more or fewer than planned (inbox records beyond the plan): {extra}")
    connection.close()
    figures = {"messages": total, "kills": kills, "sigterms": terms, "broker_restarts": restarts,
               "worker_starts": sum(workers.starts.values()), "ended_by_themselves": len(workers.self_exits),
               "replies_redelivered": duplicated_replies, "lost": total - sum(min(done(kind), args.count) for kind in KINDS),
               "applied_twice": sum(max(0, done(kind) - args.count) for kind in KINDS), "seconds": round(elapsed, 1),
               "violations": len(violations)}
    print(json.dumps(figures))
    for violation in violations:
        print(f"  VIOLATION {violation}", file=sys.stderr)
    if workers.self_exits:
        print(f"  workers that ended by themselves (restarted): {workers.self_exits[:10]}", file=sys.stderr)
    if violations:
        sys.exit(1)


if __name__ == "__main__":
    main()
