"""Faults against the real pipeline (issue #11). The mix: backlogs of payment posts, cart adds and
copy requests (built by scripts/benchmarks/kinds.py from the seeded world, each planned to be
applied exactly once; payments and requests answered to a producer's queue), HQ jobs every two
seconds (P-0001 uploads payments and requests, Synchronize settles invoices and turns requests into
e-mails, Distribution sends the changed invoices back to the channel), and e-mail dispatch to a
real SMTP server that requires a password. One `remit worker` process per kind, while a nemesis:
  - SIGKILLs random workers and restarts them; every eighth time sends SIGTERM (drain, exit 0);
  - stops the SMTP server for a while;
  - holds a write lock on the channel store from outside (BEGIN IMMEDIATE, beyond the busy timeout);
  - fills the data directory's disk (a tmpfs) and frees it again;
  - raises a broker memory alarm (publishers blocked) and clears it;
  - restarts the broker's application (every connection closed).
Afterwards the jobs run until everything has gone round, and the checker reads the stores, the
queues and the SMTP server's mailbox alone: every planned message applied exactly once (counts and
sums) and answered; every payment uploaded, posted and settled once in HQ, its settlement equal to
the channel's payment; every invoice's settled + discount taken + open = due, and the channel's
figures equal HQ's; every request completed with exactly one e-mail (by Message-ID) at the SMTP
server; every work, retry and dead-letter queue empty; every job run finished. Prints the figures
as one JSON line; exits 1 on any violation.

With --store-url (PostgreSQL) and --hosts N (scripts/scale-out): N hosts, each every storefront
kind and a portal (h1 also the HQ jobs' kinds), nginx round robin in front of the portals, the
checker reading PostgreSQL; the nemesis kills a whole host and restarts PostgreSQL instead of
locking and filling the SQLite store, and the buyers' answers are held against the faults' times.

  fault_run.py --data-dir DIR --amqp-url URL --bin BIN --count N --min-kills K --broker-restarts R
               --out DIR [--disk-fault] [--seed S] [--store-url URL --hosts N --postgres-dir DIR]

The parts, each readable alone, are in scripts/testing/faultrun/: workload.py (the backlogs, the
checkouts, the buyers in the portal), nemesis.py (kills, SIGTERMs, outages), checker.py (every
check on the final state), pipeline.py (the worker processes, the SMTP server, the job starts),
runner.py (the run from start to figures) and common.py (what they share)."""
import argparse

from faultrun.runner import main


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("--data-dir", "--amqp-url", "--bin", "--out", "--smtp-password"):
        parser.add_argument(name, required=True)
    parser.add_argument("--peer-url", help="the URL for this script's own clients (one node); default --amqp-url")
    parser.add_argument("--nodes", default="", help="a cluster's nodes, NAME:AMQP_PORT:MANAGEMENT_PORT …")
    parser.add_argument("--count", type=int, default=3000, help="messages per backlog")
    parser.add_argument("--min-kills", type=int, default=50)
    parser.add_argument("--broker-restarts", type=int, default=1)
    parser.add_argument("--outage-rounds", type=int, default=1, help="times each outage is made")
    parser.add_argument("--disk-fault", action="store_true", help="the data directory is a tmpfs of its own to fill")
    parser.add_argument("--kind-users", action="store_true",
                        help="each kind connects as USER-KIND with password PASSWORD-KIND (the URL's user and password)")
    parser.add_argument("--seconds", type=int, default=900, help="the run's bound")
    parser.add_argument("--store-url", default="", help="PostgreSQL holding the channel store (several hosts); default: SQLite")
    parser.add_argument("--hosts", type=int, default=1, help="hosts, each every storefront kind and a portal (needs --store-url)")
    parser.add_argument("--postgres-dir", help="the PostgreSQL server's data directory (to restart it)")
    parser.add_argument("--postgres-port", type=int, help="its port")
    parser.add_argument("--postgres-bin", default="/usr/lib/postgresql/15/bin", help="pg_ctl's folder")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


if __name__ == "__main__":
    main(parse_arguments())
