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

from .common import JOBS, KINDS, ROOT, cluster_nodes, fail, free_port, worker_url


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


class Workers:
    """One `remit worker KIND` process per kind; restarted whenever it is gone."""

    def __init__(self, args, smtp_url):
        self.args, self.smtp_url = args, smtp_url
        self.processes = {}
        self.started_at = {}
        self.metrics_ports = {kind: free_port() for kind in KINDS}  # each kind's /metrics, the same across restarts
        self.starts = {kind: 0 for kind in KINDS}
        self.self_exits = []
        self.held = set()  # kinds the nemesis keeps down for a moment: not revived
        self.lock = threading.Lock()

    def start(self, kind):
        log = open(os.path.join(self.args.out, f"worker-{kind}.log"), "a")
        # On a cluster a worker may start while any one node is down: it checks no topology there
        # (the management API it would ask may be the node that is down).
        verify = ["--skip-verify"] if cluster_nodes(self.args) else []
        self.processes[kind] = subprocess.Popen(
            [os.path.join(self.args.bin, "remit"), "worker", kind, *verify, "--data-dir", self.args.data_dir, "--amqp-url",
             worker_url(self.args, kind), "--smtp-url", self.smtp_url, "--metrics-port", str(self.metrics_ports[kind]),
             "--log-level", "info"],
            stdout=log, stderr=subprocess.STDOUT)
        self.started_at[kind] = time.monotonic()
        self.starts[kind] += 1

    def revive(self):
        """Restarts every worker that is gone (and notes the ones that ended by themselves)."""
        with self.lock:
            for kind in KINDS:
                if kind in self.held:
                    continue
                process = self.processes.get(kind)
                if process is None:
                    self.start(kind)
                elif process.poll() is not None:
                    self.self_exits.append((kind, process.returncode, self.last_line(kind)))
                    self.start(kind)

    def last_line(self, kind):
        with open(os.path.join(self.args.out, f"worker-{kind}.log"), "rb") as log:
            log.seek(max(0, os.fstat(log.fileno()).st_size - 2000))
            lines = [line for line in log.read().decode(errors="replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def kill(self, kind):
        with self.lock:
            process = self.processes.pop(kind, None)
        if process:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def hold(self, kind):
        """Stops `kind` (SIGKILL: it may be still starting) and keeps it down until `release`."""
        with self.lock:
            self.held.add(kind)
        self.kill(kind)

    def release(self, kind):
        with self.lock:
            self.held.discard(kind)

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
        command = [os.path.join(self.args.bin, "remit"), "hq", "run-job", job, "--wait", str(wait), "--data-dir",
                   self.args.data_dir, "--amqp-url", self.args.amqp_url, "--log-level", "warning"]
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
