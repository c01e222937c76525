"""The pipeline under test and what it talks to: one `remit worker` process per kind (`Workers`,
restarted whenever one is gone), the SMTP server the e-mails go to (`SMTPServer`, AUTH required),
and the HQ jobs started every two seconds as the job scheduler does (`JobTicker`)."""
import email
import os
import signal
import subprocess
import sys
import threading
import time

from .common import JOBS, ROOT, cluster_nodes, fail, free_port, unit_host, unit_kind, units, worker_url


class SMTPServer:
    """scripts/testing/smtp_server.py on a fixed port (so that it can be stopped and started again
    where the workers look for it), requiring AUTH with the run's SMTP password."""

    def __init__(self, out, port, credentials):
        self.maildir = os.path.join(out, "mailbox")
        self.port, self.credentials, self.process = port, credentials, None
        self.log = open(os.path.join(out, "smtp-server.log"), "a")

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "scripts/testing/smtp_server.py"), "--port", str(self.port), "--maildir", self.maildir,
             "--auth", self.credentials], stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("READY"):
            fail(f"the SMTP server did not start: {line!r}; see smtp-server.log")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(30)
        self.process = None

    def message_ids(self):
        """Message-ID of every e-mail the server accepted, one entry per e-mail."""
        found = []
        for name in sorted(os.listdir(self.maildir)):
            if name.endswith(".eml"):
                with open(os.path.join(self.maildir, name), "rb") as file:
                    found.append(email.message_from_binary_file(file).get("Message-ID", "").strip())
        return found


def host_data_dir(args, host):
    """A host's own data directory: the run's for h1 (HQ's store is there), one of its own for each other."""
    if host == "h1":
        return args.data_dir
    path = os.path.join(args.out, f"data-{host}")
    os.makedirs(path, exist_ok=True)
    return path


def store_arguments(args, host):
    """What tells a process of `host` where its stores are: its data directory, and PostgreSQL when the run has one."""
    return ["--data-dir", host_data_dir(args, host)] + (["--store", args.store_url, "--host-name", host] if args.store_url else [])


class Workers:
    """One `remit worker KIND` process per unit (a kind on a host); restarted whenever it is gone."""

    def __init__(self, args, smtp_url):
        self.args, self.smtp_url = args, smtp_url
        self.units = units(args)
        self.processes = {}
        self.started_at = {}
        self.metrics_ports = {unit: free_port() for unit in self.units}  # each unit's /metrics, the same across restarts
        self.starts = {unit: 0 for unit in self.units}
        self.self_exits = []
        self.held = set()  # kinds the nemesis keeps down for a moment: not revived
        self.lock = threading.Lock()

    def start(self, unit):
        kind = unit_kind(unit)
        log = open(os.path.join(self.args.out, f"worker-{unit}.log"), "a")
        # On a cluster a worker may start while any one node is down: it checks no topology there
        # (the management API it would ask may be the node that is down).
        verify = ["--skip-verify"] if cluster_nodes(self.args) else []
        self.processes[unit] = subprocess.Popen(
            [os.path.join(self.args.bin, "remit"), "worker", kind, *verify, *store_arguments(self.args, unit_host(unit)), "--amqp-url",
             worker_url(self.args, unit), "--smtp-url", self.smtp_url, "--metrics-port", str(self.metrics_ports[unit]),
             "--log-level", "info"],
            stdout=log, stderr=subprocess.STDOUT)
        self.started_at[unit] = time.monotonic()
        self.starts[unit] += 1

    def revive(self):
        """Restarts every worker that is gone (and notes the ones that ended by themselves)."""
        with self.lock:
            for unit in self.units:
                if {unit, unit_kind(unit), unit_host(unit)} & self.held:
                    continue
                process = self.processes.get(unit)
                if process is None:
                    self.start(unit)
                elif process.poll() is not None:
                    self.self_exits.append((unit, process.returncode, self.last_line(unit)))
                    self.start(unit)

    def last_line(self, unit):
        with open(os.path.join(self.args.out, f"worker-{unit}.log"), "rb") as log:
            log.seek(max(0, os.fstat(log.fileno()).st_size - 2000))
            lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def kill(self, kind):
        with self.lock:
            process = self.processes.pop(kind, None)
        if process:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def matching(self, name):
        """The units `name` stands for: a unit, a kind (on every host) or a host (every unit of it)."""
        return [unit for unit in self.units if name in (unit, unit_kind(unit), unit_host(unit))]

    def hold(self, name):
        """Stops what `name` stands for (SIGKILL: it may be still starting) and keeps it down until `release`."""
        with self.lock:
            self.held.add(name)
        for unit in self.matching(name):
            self.kill(unit)

    def release(self, name):
        with self.lock:
            self.held.discard(name)

    def terminate(self, kind, timeout=90):
        """SIGTERM: the worker must drain and exit 0."""
        with self.lock:
            process = self.processes.pop(kind, None)
        if process is None:
            return 0
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return f"no exit within {timeout} s"


class JobTicker(threading.Thread):
    """Starts a run of each HQ job every two seconds (`remit hq run-job --wait 0`), as the job
    scheduler does; a start that fails (the broker down or blocked) is counted and tried next tick."""

    def __init__(self, args):
        super().__init__(daemon=True)
        self.args, self.started, self.failed = args, 0, 0
        self.stopping = threading.Event()
        self.log = open(os.path.join(args.out, "jobs.log"), "a")

    def start_run(self, job, wait=0, timeout=30):
        command = [os.path.join(self.args.bin, "remit"), "hq", "run-job", job, "--wait", str(wait), *store_arguments(self.args, "h1"),
                   "--amqp-url", self.args.amqp_url, "--log-level", "warning"]
        try:
            result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.log.write(f"{job}: no answer within {timeout} s\n")
            return None
        self.log.write(result.stdout)
        return result.stdout.strip().splitlines()[-1] if result.returncode == 0 and result.stdout.strip() else None

    def run(self):
        while not self.stopping.wait(2):
            for job in JOBS:
                if self.start_run(job) is None:
                    self.failed += 1
                else:
                    self.started += 1
