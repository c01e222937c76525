"""What the fault run's parts share: the worker kinds and backlogs, the HQ jobs, the trace each fault
leaves in a worker's log, the inbox count of a backlog, the broker (rabbitmqctl, a cluster's nodes,
each kind's AMQP URL), a free port, the topology's queues, and `fail`."""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import kinds  # noqa: E402,F401  (scripts/benchmarks/kinds.py; the other modules import it from here)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# The backlogs (kinds.py's names): producers' invoice.pay goes to payment posting, as payment.post does.
BACKLOGS = ["payment-posting", "cart-validation", "invoice-requests", "invoice-pay"]
KINDS = ["payment-posting", "cart-validation", "invoice-requests", "email-dispatch", "channel-updates", "hq-p0001", "hq-sync",
         "hq-distribution", "hq-collection-letters"]
# On the first host only: HQ's store is a file there.
HQ_KINDS = ["hq-p0001", "hq-sync", "hq-distribution", "hq-collection-letters"]
DEMO_PASSWORD = "remit-demo"  # HQSeeder.demoPassword: every seeded buyer's
JOBS = ["hq.p-0001.run", "hq.sync.run", "hq.distribution.run", "hq.collection-letters.run"]


def letters_undecided(db, hq):
    """HQ's collection letters whose e-mail is not decided yet in the channel's e-mail ledger
    (sent, skipped because everything was paid since, or failed)."""
    issued = {row[0] for row in hq.execute("SELECT letter_id FROM collection_letter")}
    decided = {row[0] for row in db.execute("SELECT request_id FROM email_ledger WHERE status IN ('sent', 'skipped', 'failed')")}
    return len(issued - decided)
# What each fault leaves in a worker's log when it reaches the worker as the worker's own fault.
TRACES = {"smtp-outage": "the effect's far side is unavailable; consuming paused", "store-lock": "database is locked",
          "disk-full": "database or disk is full", "memory-alarm": "the broker blocks this connection",
          "broker-restart": "CONNECTION_FORCED", "postgres-restart": "store unavailable; consuming paused", "host-kill": None}


# What each backlog's messages are in the inbox: the consumer and the type. A backlog's messages
# have the ids TAG-N, its tag `fault<index in BACKLOGS>` (a checkout's payment posts have ids of
# their own).
INBOX = {"payment-posting": ("payment-posting", "payment.post"), "cart-validation": ("cart-validation", "cart.add-invoice"),
         "invoice-requests": ("invoice-requests", "invoice.request"), "invoice-pay": ("payment-posting", "invoice.pay")}
CHECKOUT_TAG = "checkout"


def units(args):
    """The worker processes of the run, by name: one a kind (`KIND`) on one host; with --hosts N,
    every storefront kind on every host (`KIND@hN`) and the HQ jobs' kinds on h1 alone."""
    if getattr(args, "hosts", 1) <= 1:
        return list(KINDS)
    return [f"{kind}@h{host}" for host in range(1, args.hosts + 1) for kind in KINDS if host == 1 or kind not in HQ_KINDS]


def unit_kind(unit):
    return unit.split("@", 1)[0]


def unit_host(unit):
    """The host a unit runs on: `h1` … (`h1` on a run of one host)."""
    return unit.split("@", 1)[1] if "@" in unit else "h1"


def channel_store(args):
    """Where the channel store is: PostgreSQL's URL on a run of several hosts, else the data directory's file."""
    return args.store_url or os.path.join(args.data_dir, "channel.sqlite")


def applied(db, kind):
    """How many of backlog `kind`'s messages the inbox holds."""
    consumer, message_type = INBOX[kind]
    return db.execute("SELECT count(*) FROM inbox WHERE consumer = ? AND message_type = ? AND message_id LIKE ?",
                      (consumer, message_type, f"fault{BACKLOGS.index(kind)}-%")).fetchone()[0]


def fail(message):
    print(f"fault_run.py: {message}", file=sys.stderr)
    sys.exit(1)


def as_root(*command):
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    return subprocess.run(prefix + list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)


def ctl(args, *command, node=None):
    """rabbitmqctl on the local broker, or on a node of the cluster (the first one by default)."""
    nodes = cluster_nodes(args)
    target = ["-n", node or nodes[0][0]] if nodes else []
    return as_root("rabbitmqctl", "-q", *target, *command)


def cluster_nodes(args):
    """[(node name, AMQP port)] from --nodes "NAME:AMQP:MANAGEMENT …"; empty for the local broker."""
    return [(item.split(":")[0], int(item.split(":")[1])) for item in args.nodes.split()]


def worker_url(args, unit):
    """The AMQP URL for `unit` (a kind's process): with --kind-users as USER-KIND (password
    PASSWORD-KIND); on a cluster naming every node, each unit with another node first."""
    kind = unit_kind(unit)
    nodes = cluster_nodes(args)
    scheme, rest = args.amqp_url.split("://", 1)
    userinfo, rest = rest.rsplit("@", 1)
    if args.kind_users:
        user, password = userinfo.split(":", 1)
        userinfo = f"{user}-{kind}:{password}-{kind}"
    if not nodes:
        return f"{scheme}://{userinfo}@{rest}"
    index = units(args).index(unit)
    vhost = rest.split("/", 1)[1]
    ports = [port for _, port in nodes]
    ports = ports[index % len(ports):] + ports[:index % len(ports)]
    return f"{scheme}://{userinfo}@" + ",".join(f"127.0.0.1:{port}" for port in ports) + f"/{vhost}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]



def topology_queues():
    workers = json.load(open(os.path.join(ROOT, "Topology/workers.json")))
    queues = []
    for kind in workers["kinds"]:
        queues += [kind["queue"], kind["deadLetterQueue"]] + kind["retryQueues"]
    return queues

