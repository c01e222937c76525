"""The nemesis: SIGKILLs random workers and restarts them, every eighth time a SIGTERM instead
(`kill_until_done`); and one at a time, each right after the next part of the backlogs went out,
the slower faults (`Outages`): the SMTP server stopped, a write lock on the channel store, the
data directory's disk full, a broker memory alarm, the broker's application (or a cluster node)
restarted; on a run of several hosts with PostgreSQL, a whole host killed (every process of it,
SIGKILL) and started again, and PostgreSQL restarted (fast shutdown, then start) instead of the
SQLite store's lock and full disk. `fault_schedule` says which, in what order."""
import json
import os
import sqlite3
import threading
import time
import urllib.parse

from .common import BACKLOGS, TRACES, applied, as_root, channel_store, cluster_nodes, ctl, kinds


def fault_schedule(args):
    """The outages in the order they are made: each `--outage-rounds` times (the full disk only with
    --disk-fault), the broker restarts spread among them."""
    if args.store_url:  # several hosts sharing PostgreSQL: no SQLite store to lock or fill
        faults = ["smtp-outage", "host-kill", "memory-alarm", "postgres-restart"] * args.outage_rounds
    else:
        faults = (["smtp-outage", "store-lock"] + (["disk-full"] if args.disk_fault else []) + ["memory-alarm"]) * args.outage_rounds
    for index in range(args.broker_restarts):  # spread among the others
        faults.insert(len(faults) * (index + 1) // args.broker_restarts, "broker-restart")
    return faults


def kill_until_done(args, rng, workers, outages, progress, violations):
    """Every 0.1–0.5 s: revives the workers that are gone and SIGKILLs a random one, every eighth
    time a SIGTERM to one that is up instead (it must drain and exit 0), until the work is done, the
    kills reached --min-kills and the outages are over; bounded by --seconds. Returns (kills, SIGTERMs)."""
    kills = terms = 0
    deadline = time.monotonic() + args.seconds
    while True:
        if progress() >= 1 and kills >= args.min_kills and outages.finished.is_set():
            break
        if time.monotonic() > deadline:
            violations.append(f"bounded run over after {args.seconds} s: {progress():.0%} done, {kills} kills, outages {outages.done}")
            break
        workers.revive()
        time.sleep(rng.uniform(0.1, 0.5))
        if kills >= args.min_kills:
            continue  # the quota is met: the workers finish their work under the other faults alone
        kind = rng.choice(workers.units)
        if kind not in workers.processes:
            continue
        # SIGTERM goes to a worker that is up and consuming: one still loading (before `main`) or
        # failing its start because the broker is down meanwhile ends otherwise, and rightly.
        up = [name for name in workers.units if name in workers.processes and time.monotonic() - workers.started_at[name] > 3]
        if (kills + terms) % 8 == 7 and up and outages.current not in ("broker-restart", "postgres-restart"):
            kind = rng.choice(up)
            code = workers.terminate(kind)
            terms += 1
            if code != 0:
                violations.append(f"{kind}: SIGTERM under load ended with {code}, not a clean drain")
        else:
            workers.kill(kind)
            kills += 1
    return kills, terms


class Outages(threading.Thread):
    """The nemesis's slower faults, one at a time, each right after the next part of the backlogs went out."""

    def __init__(self, args, rng, smtp, workers, schedule, published):
        super().__init__(daemon=True)
        self.args, self.rng, self.smtp, self.workers = args, rng, smtp, workers
        self.schedule = schedule  # [(the part of the backlogs to publish first, fault)], in order
        self.published = published  # backlog messages out so far
        self.done = {name: 0 for _, name in schedule}
        self.seconds = {name: 0.0 for _, name in schedule}
        self.errors = []
        self.restarted_nodes = []
        self.current = None  # the fault being made now
        self.unreached = []  # (fault, round, seconds held) of each fault that left no trace in a worker's log
        self.marks = {}  # each worker log's size when the current fault began
        self.finished = threading.Event()
        self.buyers = None  # the portals, for a host's kill (set by the runner)
        self.windows = []  # (fault, monotonic start, monotonic end) of each fault made

    def run(self):
        own = kinds.open_store(channel_store(self.args))
        try:
            for part, fault in self.schedule:
                # Most of what is out is applied (bounded: a slow run still gets its faults).
                deadline = time.monotonic() + 120
                while (sum(min(applied(own, kind), self.args.count) for kind in BACKLOGS) < self.published - len(part) // 5
                       and time.monotonic() < deadline):
                    time.sleep(0.2)
                started, self.current = time.monotonic(), fault
                if fault == "memory-alarm":
                    self.memory_alarm(part)
                else:
                    kinds.publish(self.args.peer_url, part, timeout=300)
                    getattr(self, fault.replace("-", "_"))()
                self.published += len(part)
                self.windows.append((fault, started, time.monotonic()))
                self.current = None
                self.done[fault] += 1
                self.seconds[fault] += time.monotonic() - started
        except BaseException as error:  # a fault the nemesis could not make or undo is the run's failure
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            own.close()
            self.finished.set()

    def mark(self):
        """Right before a fault is made: where each worker's log ends, so that only what the fault
        caused counts as its trace (not lines a worker wrote meanwhile about the one before)."""
        self.marks = {unit: self.log_size(unit) for unit in self.workers.units}

    def log_size(self, kind):
        try:
            return os.path.getsize(os.path.join(self.args.out, f"worker-{kind}.log"))
        except OSError:
            return 0

    def reached(self):
        """Whether the current fault's trace is in a worker's log since the fault began (a fault
        without one, a host's kill, has reached the workers it killed)."""
        if TRACES.get(self.current) is None:
            return True
        trace = TRACES[self.current].encode()
        for kind, mark in self.marks.items():
            try:
                with open(os.path.join(self.args.out, f"worker-{kind}.log"), "rb") as log:
                    log.seek(max(0, mark - len(trace)))
                    if trace in log.read():
                        return True
            except OSError:
                pass
        return False

    def hold(self, minimum, maximum=60):
        """Keeps the fault up for `minimum` seconds, and on until it has reached a worker (a worker
        may be down, or between messages, when it begins), `maximum` at most: one that reached none
        is the run's failure (the check would prove nothing)."""
        began = time.monotonic()
        time.sleep(minimum)
        while not self.reached():
            if time.monotonic() - began > maximum:
                self.unreached.append((self.current, self.done[self.current] + 1, round(time.monotonic() - began, 1)))
                return
            time.sleep(0.5)

    def smtp_outage(self):
        self.mark()
        self.smtp.stop()
        try:
            self.hold(self.rng.uniform(3, 6))
        finally:
            self.smtp.start()

    def store_lock(self):
        """BEGIN IMMEDIATE on the channel store, held beyond the workers' 10 s busy timeout."""
        db = sqlite3.connect(os.path.join(self.args.data_dir, "channel.sqlite"), timeout=30, isolation_level=None)
        self.mark()
        db.execute("BEGIN IMMEDIATE")
        try:
            self.hold(self.rng.uniform(12, 15))
        finally:
            db.execute("ROLLBACK")
        db.close()

    def disk_full(self):
        """Fills the data directory's tmpfs to the last byte, holds it, frees it. The stores' WAL
        files are first checkpointed and truncated: a WAL that once grew keeps its blocks and, after
        a checkpoint, is written again from its start, so commits would go on in the space it holds
        on a full disk (a CI run held the disk full for 60 s without a worker noticing). Truncated,
        the next commit has to grow it and meets the full disk."""
        path = os.path.join(self.args.data_dir, "disk-filler")
        self.mark()
        for store in ("channel.sqlite", "hq.sqlite"):
            self.truncate_wal(os.path.join(self.args.data_dir, store))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (1 << 20, 4096, 1):  # unbuffered, to the last byte
                while True:
                    try:
                        if os.write(fd, b"\0" * size) < size:
                            break
                    except OSError:
                        break
            if os.statvfs(self.args.data_dir).f_bavail != 0:
                raise RuntimeError("the data directory's disk is not full after filling it")
            self.hold(self.rng.uniform(4, 8))
        finally:
            os.close(fd)
            os.unlink(path)

    @staticmethod
    def truncate_wal(store):
        """`PRAGMA wal_checkpoint(TRUNCATE)`, tried again while a reader keeps it from finishing."""
        db = sqlite3.connect(store, timeout=30, isolation_level=None)
        try:
            for _ in range(20):
                busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if busy == 0:
                    return
                time.sleep(0.1)
            raise RuntimeError(f"cannot truncate {os.path.basename(store)}'s WAL: its readers keep it busy")
        finally:
            db.close()

    def memory_alarm(self, part):
        """Publishers blocked while work is waiting: payment posting is held down while its part goes
        out and the alarm is raised, then started, so that it meets the alarm with answers to send."""
        nodes = cluster_nodes(self.args)
        node = nodes[-1][0] if nodes else None  # on a cluster, one node's alarm blocks publishers on every node
        result = ctl(self.args, "eval", "vm_memory_monitor:get_vm_memory_high_watermark().", node=node)
        previous = result.stdout.decode().strip()
        if result.returncode != 0 or not previous:
            raise RuntimeError(f"cannot read the broker's memory watermark: {result.stderr.decode()[:200]}")
        self.workers.hold("payment-posting")
        kinds.publish(self.args.peer_url, part, timeout=300)
        self.mark()
        if ctl(self.args, "set_vm_memory_high_watermark", "absolute", "1MB", node=node).returncode != 0:
            self.workers.release("payment-posting")
            raise RuntimeError("cannot set the broker's memory watermark")
        self.workers.release("payment-posting")
        try:
            self.hold(self.rng.uniform(4, 8))
        finally:
            restore = ["absolute", previous.split(",")[1].strip(" }")] if previous.startswith("{absolute") else [previous]
            if ctl(self.args, "set_vm_memory_high_watermark", *restore, node=node).returncode != 0:
                raise RuntimeError(f"cannot restore the broker's memory watermark {previous}")

    def broker_restart(self):
        """The local broker's application; on a cluster, the node leading the busiest of Remit's
        queues (the others keep the quorum)."""
        nodes = cluster_nodes(self.args)
        node = self.busiest_leader(nodes) if nodes else None
        self.mark()
        ctl(self.args, "stop_app", node=node)
        try:
            self.hold(self.rng.uniform(3, 6) if nodes else self.rng.uniform(0.5, 2.0), maximum=30)
        finally:
            result = ctl(self.args, "start_app", node=node)
        if result.returncode != 0:
            raise RuntimeError(f"the broker did not start again: {result.stderr.decode()[:300]}")
        ctl(self.args, "await_startup", node=node)
        if node:
            self.restarted_nodes.append(node)

    def busiest_leader(self, nodes):
        """The node leading the busiest of Remit's queues among the nodes workers are connected to
        (a node no worker is connected to would restart unseen: after a restart the workers have gone
        over to the other nodes, and leadership may stay behind); any node with workers if none of
        them leads a queue with messages; the busiest leader if the connections cannot be read."""
        vhost = self.args.amqp_url.rsplit("/", 1)[1]
        result = ctl(self.args, "list_queues", "-p", vhost, "name", "leader", "messages", "--formatter", "json", node=nodes[0][0])
        queues = [queue for queue in json.loads(result.stdout.decode() or "[]") if queue.get("leader")]
        if result.returncode != 0 or not queues:
            raise RuntimeError(f"cannot list the queues' leaders: {result.stderr.decode()[:200]}")
        with_workers = self.nodes_with_workers(nodes)
        candidates = [queue for queue in queues if queue["leader"] in with_workers] if with_workers else queues
        if not candidates:
            return max(with_workers, key=with_workers.get)
        busiest = max(candidates, key=lambda queue: (queue.get("messages") or 0, queue["name"]))
        return busiest["leader"]

    def nodes_with_workers(self, nodes):
        """How many workers' connections each node holds: a connection's pid names its node
        (`<remit-c1@host.…>`), and a worker connects as the run's user or a kind's (`USER-KIND`)."""
        result = ctl(self.args, "list_connections", "pid", "user", node=nodes[0][0])
        if result.returncode != 0:
            return {}
        user = urllib.parse.unquote(self.args.amqp_url.split("://", 1)[1].rsplit("@", 1)[0].split(":", 1)[0])
        counts = {}
        for line in result.stdout.decode(errors="replace").splitlines():
            pid, _, connected_as = line.partition("\t")
            if connected_as.strip() != user and not connected_as.startswith(f"{user}-"):
                continue
            for node, *_ in nodes:
                if pid.startswith(f"<{node}."):
                    counts[node] = counts.get(node, 0) + 1
        return counts

    def host_kill(self):
        """A whole host at once: every worker process of it and its portal SIGKILLed, kept down a few
        seconds, started again. The other hosts take its messages (redelivered) and its buyers (nginx)."""
        host = f"h{self.rng.randint(1, self.args.hosts)}"
        self.mark()
        self.workers.hold(host)
        self.buyers.kill_portal(host)
        try:
            self.hold(self.rng.uniform(3, 6))
        finally:
            self.workers.release(host)
            self.workers.revive()
            self.buyers.start_portal(host)
        self.killed_hosts = getattr(self, "killed_hosts", []) + [host]

    def postgres_restart(self):
        """PostgreSQL's fast shutdown (every session ended), kept down a few seconds, started again:
        the workers pause (the store is their fault, not the messages'), the portals answer 503."""
        directory = self.args.postgres_dir
        self.mark()
        stop = as_root("runuser", "-u", "postgres", "--", self.args.postgres_bin + "/pg_ctl", "-D", directory, "-m", "fast", "-w", "stop")
        if stop.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not stop: {stop.stderr.decode()[:300]}")
        try:
            self.hold(self.rng.uniform(3, 6), maximum=30)
        finally:
            # Its port and sockets are in its postgresql.conf (scripts/scale-out wrote them).
            start = as_root("runuser", "-u", "postgres", "--", self.args.postgres_bin + "/pg_ctl", "-D", directory,
                            "-l", os.path.join(directory, "server.log"), "-w", "start")
        if start.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start again: {start.stderr.decode()[:300]}")
