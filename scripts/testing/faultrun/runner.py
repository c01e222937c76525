"""The run from start to figures: the backlogs planned and the first part published, the pipeline
started (workers, SMTP server, portal, job starts), the workload and the nemesis until the work is
done, then the jobs in turn until everything has gone round, every worker's /metrics kept, every
process stopped with SIGTERM, and the checker on the final state."""
import os
import random
import signal
import sys
import time
import urllib.request
from types import SimpleNamespace

from .checker import agreeing_invoices, check
from .common import BACKLOGS, JOBS, applied, channel_store, free_port, kinds, letters_undecided
from .nemesis import Outages, fault_schedule, kill_until_done
from .pipeline import JobTicker, SMTPServer, Workers
from .workload import Buyers, Checkouts, plan_backlogs, publish_first_part


def main(args):
    args.peer_url = args.peer_url or args.amqp_url
    rng = random.Random(args.seed)
    store = channel_store(args)
    violations = []

    # The backlogs, published with confirms before any worker runs.
    # The faults, and the backlogs in as many parts plus one: the first part goes out before any
    # worker runs, each other part right before its fault, so that every fault meets work in flight.
    faults = fault_schedule(args)
    plans, parts = plan_backlogs(args, store, faults)
    publish_first_part(args, parts)
    db = kinds.open_store(store)
    hq = kinds.open_store(os.path.join(args.data_dir, "hq.sqlite"))
    hq_before = {row["number"]: (row["settled_minor"], row["discount_taken_minor"])
                 for row in hq.execute("SELECT number, settled_minor, discount_taken_minor FROM invoice")}

    checkouts = Checkouts(args, plans["cart-validation"]["carts"])
    # The backlogs, one e-mail per request, the checkouts and their payment posts (one per cart line).
    total = args.count * (len(BACKLOGS) + 2) + len(checkouts.ids)

    last = [0.0]

    def progress(database=db):
        """The share done (each thread with its own connection); while PostgreSQL restarts, the last share seen."""
        try:
            last[0] = share(database)
        except kinds.StoreUnavailable:
            pass
        return last[0]

    def share(database):
        done = sum(min(applied(database, kind), args.count) for kind in BACKLOGS)
        sent = database.execute("SELECT count(*) FROM email_ledger WHERE status = 'sent'").fetchone()[0]
        done += min(checkouts.applied(database), len(checkouts.ids)) + min(checkouts.payments_applied(database), args.count)
        return (done + min(sent, args.count)) / total

    smtp_user, smtp_port = "remit-chaos", free_port()
    smtp = SMTPServer(args.out, smtp_port, f"{smtp_user}:{args.smtp_password}")
    workers = Workers(args, f"smtp://{smtp_user}:{args.smtp_password}@127.0.0.1:{smtp_port}?starttls=off&timeout=10")
    # Ended early (scripts/chaos's clean-up sends SIGTERM, or a failure): no worker or server outlives the run.
    buyers = Buyers(args, db, plans["invoice-requests"]["pairs"])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        run(args, rng, db, hq, hq_before, plans, progress, total, smtp, workers, buyers, checkouts, violations, faults, parts[1:])
    finally:
        buyers.kill_all()
        for process in list(workers.processes.values()):
            if process.poll() is None:
                process.kill()
        smtp.stop()


def run(args, rng, db, hq, hq_before, plans, progress, total, smtp, workers, buyers, checkouts, violations, faults, releases):
    store = channel_store(args)
    smtp.start()
    buyers.start_portals()
    buyers.start()
    checkouts.start()
    workers.revive()
    jobs = JobTicker(args)
    jobs.start()
    outages = Outages(args, rng, smtp, workers, list(zip(releases, faults)), args.count * len(BACKLOGS) - sum(map(len, releases)))
    outages.buyers = buyers
    buyers.outages = outages
    outages.start()

    started = time.monotonic()
    kills, terms = kill_until_done(args, rng, workers, outages, progress, violations)
    elapsed = time.monotonic() - started
    wind_down(smtp, buyers, checkouts, jobs, outages, violations)

    # Everything goes round: the jobs run in turn until every payment is settled in HQ and back in
    # the channel, and every request is completed.
    workers.revive()
    rounds = go_round(db, hq, workers, jobs, violations)
    time.sleep(1)
    keep_metrics(args, workers, violations)
    stop(smtp, workers, buyers, violations)

    # The checker: the stores, the queues and the mailbox alone.
    check(SimpleNamespace(args=args, store=store, db=db, hq=hq, hq_before=hq_before, plans=plans, smtp=smtp, workers=workers,
                          buyers=buyers, checkouts=checkouts, jobs=jobs, outages=outages, kills=kills, terms=terms,
                          rounds=rounds, elapsed=elapsed, violations=violations))


def wind_down(smtp, buyers, checkouts, jobs, outages, violations):
    """The work is done: no more clicks, job starts, outages or checkouts (each thread's end
    checked); the SMTP server up again if an outage left it down."""
    buyers.stop_clicking()
    jobs.stopping.set()
    jobs.join(60)
    outages.join(60)
    if outages.is_alive():
        violations.append(f"the nemesis did not end within 60 s of the run (making {outages.current})")
    checkouts.stopping.set()
    checkouts.join(60)
    if checkouts.pending:
        violations.append(f"{len(checkouts.pending)} carts were never checked out (their cart adds not all applied; "
                          f"the last failure tried again: {checkouts.last_error})")
    if checkouts.is_alive():
        violations.append("the checkouts' publisher did not stop within 60 s")
    violations += [f"the nemesis failed: {error}" for error in outages.errors]
    if smtp.process is None:
        smtp.start()


def go_round(db, hq, workers, jobs, violations):
    """The jobs in turn until nothing is pending (300 s at most); returns the rounds run."""

    def settled_round():
        pending = db.execute("SELECT (SELECT count(*) FROM channel_transaction WHERE uploaded_at IS NULL) + "
                             "(SELECT count(*) FROM b2b_request WHERE uploaded_at IS NULL OR status NOT IN ('completed', 'failed'))"
                             ).fetchone()[0]
        unposted = hq.execute("SELECT count(*) FROM payment_journal_line WHERE posted_at IS NULL AND failure IS NULL").fetchone()[0]
        differing = hq.execute("SELECT count(*) FROM invoice").fetchone()[0] - len(agreeing_invoices(db, hq))
        return pending + unposted + differing + letters_undecided(db, hq)

    settle_deadline = time.monotonic() + 300
    rounds = 0
    while settled_round() > 0 and time.monotonic() < settle_deadline:
        workers.revive()
        for job in JOBS:
            line = jobs.start_run(job, wait=120, timeout=150)
            if line is None or not line.startswith("succeeded"):
                violations.append(f"a final run of {job} did not succeed: {line}")
        rounds += 1
        time.sleep(1)  # the distributed changes reach the channel
    left = settled_round()
    if left:
        violations.append(f"{left} payments, requests, invoices or collection letters had not gone round after 300 s of job runs")
    return rounds


def keep_metrics(args, workers, violations):
    """Every worker's /metrics, kept with the run's files (so that the secrets checks read them too)."""
    scraped = 0
    for kind in workers.units:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{workers.metrics_ports[kind]}/metrics", timeout=10) as answer:
                text = answer.read()
        except OSError as error:
            violations.append(f"{kind}: /metrics did not answer: {error}")
            continue
        with open(os.path.join(args.out, f"metrics-{kind}.txt"), "wb") as file:
            file.write(text)
        scraped += b"remit_messages_total" in text
    if scraped != len(workers.units):
        violations.append(f"only {scraped} of {len(workers.units)} workers' /metrics show remit_messages_total")


def stop(smtp, workers, buyers, violations):
    """SIGTERM to every worker and the portal: each must exit 0; the portal's problems said."""
    for kind in workers.units:
        code = workers.terminate(kind)
        if code != 0:
            violations.append(f"{kind}: the final SIGTERM ended with {code}")
    smtp.stop()
    buyers.stop()
    for host, code in buyers.exit_codes.items():
        if code != 0:
            violations.append(f"the portal of {host}: its SIGTERM ended with {code}")
    violations += [f"the portal: {problem}" for problem in buyers.problems()]
