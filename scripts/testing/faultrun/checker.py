"""The checker: reads the stores, the queues, the SMTP server's mailbox, the workers' logs and the
run's files alone, once every process has stopped. Every planned message applied exactly once
(counts and sums) and answered; every payment uploaded, posted and settled once in HQ, its
settlement equal to the channel's payment; every invoice's settled + discount taken + open = due,
and the channel's figures equal HQ's; every request completed with exactly one e-mail (by
Message-ID) at the SMTP server; every work, retry and dead-letter queue empty; every job run
finished, none refused for an unsendable message, nothing held back by Distribution; every fault
reached a worker as the worker's fault and spent no message's attempt; no secret shown; nothing
lost, nothing done twice. `check` prints the figures as one JSON line and exits 1 on any violation."""
import json
import os
import sys

import pika

from .common import BACKLOGS, CHECKOUT_TAG, DEMO_PASSWORD, TRACES, applied, cluster_nodes, kinds, topology_queues


def one(database, sql, *params):
    return database.execute(sql, params).fetchone()[0]


def agreeing_invoices(db, hq):
    """The numbers of HQ's invoices whose total, settled and discount taken the channel shows alike."""
    channel = {row[0]: tuple(row[1:]) for row in db.execute(
        "SELECT number, total_minor, settled_minor, discount_taken_minor FROM channel_invoice")}
    return [row[0] for row in hq.execute("SELECT number, total_minor, settled_minor, discount_taken_minor FROM invoice")
            if channel.get(row[0]) == tuple(row[1:])]


def check(run):
    """`run`: what the runner kept (args, store, db, hq, hq_before, plans, smtp, workers, buyers,
    checkouts, jobs, outages, kills, terms, rounds, elapsed, violations)."""
    Checker(run).check()


class Checker:
    """Each check a method; what a later check needs (the replies, the run's payments, the requests'
    rows, the e-mails) is kept on the checker."""

    def __init__(self, run):
        self.run, self.args, self.db, self.hq = run, run.args, run.db, run.hq
        self.violations = run.violations

    def check(self):
        connection = pika.BlockingConnection(pika.URLParameters(self.args.peer_url))
        channel = connection.channel()
        self.read_replies(channel)
        self.check_backlogs(channel)
        self.check_requests()
        self.check_inboxes()
        self.check_invoice_pay()
        self.check_checkouts()
        self.check_payments()
        self.check_invoices()
        self.check_emails()
        self.check_queues_and_jobs(channel)
        connection.close()
        self.check_logs()
        self.check_secrets()
        self.check_self_exits()
        self.count_lost_and_twice()
        self.report()

    def read_replies(self, channel):
        """The producers' reply queue: answers by tag (a correlation id's TAG-N), redeliveries apart."""
        replies, duplicated_replies, seen = {}, 0, set()
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
        self.replies, self.duplicated_replies = replies, duplicated_replies

    def check_backlogs(self, channel):
        """Payment posts and cart adds: kinds.py's own check of its plan."""
        plans, db = self.run.plans, self.db
        for kind in ("payment-posting", "cart-validation"):
            try:
                kinds.check(kind, plans[kind], db, channel, self.replies.get(plans[kind]["tag"], 0), self.run.store)
            except SystemExit:
                self.violations.append(f"{kind}: the counts are off (see above)")

    def check_requests(self):
        """Copy requests: the backlog's (answered) and the buyers' from the portal — each pair the
        portal answered 202 recorded once (a click answered 503 and clicked again joins the first if
        that went out after all), every one of its commands accepted; a pair only ever answered 503
        at most once."""
        args, db, buyers, replies = self.args, self.db, self.run.buyers, self.replies
        requests_tag = self.run.plans["invoice-requests"]["tag"]
        rows = {}
        for pair in db.execute("SELECT user_login, invoice_number FROM b2b_request"):
            rows[tuple(pair)] = rows.get(tuple(pair), 0) + 1
        portal_ids = [command for ids in buyers.commands.values() for command in ids]
        portal_rows = sum(rows.get(pair, 0) for pair in buyers.clicked)
        accepted_portal = sum(one(db, "SELECT count(*) FROM command_outcome WHERE message_id = ? AND type = 'invoice.request' "
                                      "AND outcome = 'accepted'", command) for command in portal_ids)
        found = {"accepted": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.request' AND outcome = 'accepted' "
                                     "AND correlation_id LIKE ?", requests_tag + "-%"),
                 "refused": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.request' AND outcome = 'refused'"),
                 "completed": one(db, "SELECT count(*) FROM b2b_request WHERE status = 'completed'"),
                 "requests": one(db, "SELECT count(*) FROM b2b_request") - portal_rows,
                 "replies": replies.get(requests_tag, 0), "portal_commands_accepted": accepted_portal,
                 "portal_requests": sum(rows.get(pair, 0) == 1 for pair in buyers.commands),
                 "portal_requests_twice": sum(rows.get(pair, 0) > 1 for pair in buyers.clicked)}
        expected = {"accepted": args.count, "refused": 0, "completed": args.count + portal_rows, "requests": args.count,
                    "replies": args.count, "portal_commands_accepted": len(portal_ids), "portal_requests": len(buyers.commands),
                    "portal_requests_twice": 0}
        if found != expected:
            self.violations.append(f"invoice requests (found, expected): {found} vs {expected}")
        self.rows, self.portal_rows = rows, portal_rows

    def check_inboxes(self):
        """Each backlog: one inbox record per message."""
        for kind, applied_count in ((kind, applied(self.db, kind)) for kind in BACKLOGS):
            if applied_count != self.args.count:
                self.violations.append(f"{kind}: {applied_count} inbox records for {self.args.count} messages")

    def check_invoice_pay(self):
        """Producers' invoice.pay: each accepted and answered once; Remit named each payment (from the
        idempotency key), and the outcome says which."""
        args, db = self.args, self.db
        paid = self.run.plans["invoice-pay"]
        pay_ids = {row[0] for row in db.execute(
            "SELECT payment_id FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'accepted' AND correlation_id LIKE ?",
            (paid["tag"] + "-%",))}
        found = {"accepted": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'accepted'"),
                 "refused": one(db, "SELECT count(*) FROM command_outcome WHERE type = 'invoice.pay' AND outcome = 'refused'"),
                 "payments": len(pay_ids - {None}), "replies": self.replies.get(paid["tag"], 0)}
        found["amount_minor"] = sum(amount for payment, amount in db.execute("SELECT id, amount_minor FROM channel_transaction")
                                    if payment in pay_ids)
        expected = {"accepted": args.count, "refused": 0, "payments": args.count, "replies": args.count,
                    "amount_minor": paid["amount_minor"]}
        if found != expected:
            self.violations.append(f"producers' invoice.pay (found, expected): {found} vs {expected}")
        self.pay_ids = pay_ids

    def check_checkouts(self):
        """Checkouts: every planned cart checked out once and answered; each of its lines became a
        payment post (correlated with the checkout), accepted, for the line's amount."""
        args, db, checkouts = self.args, self.db, self.run.checkouts
        outcome_count = lambda message_type, outcome, tag: one(
            db, "SELECT count(*) FROM command_outcome WHERE type = ? AND outcome = ? AND correlation_id LIKE ?", message_type, outcome, tag + "-%")
        checkout_ids = {row[0] for row in db.execute(
            "SELECT payment_id FROM command_outcome WHERE type = 'payment.post' AND outcome = 'accepted' AND correlation_id LIKE ?",
            (CHECKOUT_TAG + "-%",))} - {None}
        found = {"checkouts": outcome_count("cart.checkout", "accepted", CHECKOUT_TAG),
                 "refused": outcome_count("cart.checkout", "refused", CHECKOUT_TAG) + outcome_count("payment.post", "refused", CHECKOUT_TAG),
                 "replies": self.replies.get(CHECKOUT_TAG, 0), "payments": len(checkout_ids),
                 "amount_minor": sum(amount for payment, amount in db.execute("SELECT id, amount_minor FROM channel_transaction")
                                     if payment in checkout_ids)}
        expected = {"checkouts": len(checkouts.ids), "refused": 0, "replies": len(checkouts.ids), "payments": args.count,
                    "amount_minor": one(db, "SELECT coalesce(sum(amount_minor), 0) FROM cart_line WHERE kind = 'invoice'")}
        if found != expected:
            self.violations.append(f"checkouts (found, expected): {found} vs {expected}")
        self.checkout_ids = checkout_ids

    def run_payment(self, payment):
        """Whether `payment` (a channel payment id) is one of the run's: payment.post, invoice.pay or a checkout's."""
        pay_tag = self.run.plans["payment-posting"]["tag"] + "-pay-"
        return payment is not None and (payment.startswith(pay_tag) or payment in self.pay_ids or payment in self.checkout_ids)

    def check_payments(self):
        """Payments (payment.post, invoice.pay and the checkouts' posts): uploaded once, posted once,
        settled once; HQ's settlement equals the channel's payment."""
        args, db, hq, run_payment = self.args, self.db, self.hq, self.run_payment
        channel_payments = {row[0]: (row[1], row[2]) for row in db.execute(
            "SELECT id, invoice_number, amount_minor FROM channel_transaction") if run_payment(row[0])}
        journal = {row[0]: tuple(row[1:]) for row in hq.execute(
            "SELECT j.channel_payment_id, j.invoice_number, j.amount_minor, j.posted_at IS NOT NULL, j.failure, "
            "s.settled_minor + s.unapplied_minor, s.settled_minor, s.discount_minor FROM payment_journal_line j "
            "LEFT JOIN settlement s ON s.journal_line_id = j.id") if run_payment(row[0])}
        settlements = sum(1 for row in hq.execute("SELECT j.channel_payment_id FROM settlement s JOIN payment_journal_line j "
                                                  "ON j.id = s.journal_line_id") if run_payment(row[0]))
        wrong = [pid for pid, (number, amount) in channel_payments.items()
                 if pid not in journal or journal[pid][:2] != (number, amount) or not journal[pid][2] or journal[pid][3]
                 or journal[pid][4] != amount]
        payments = 3 * args.count
        if len(channel_payments) != payments or len(journal) != payments or settlements != payments or wrong:
            self.violations.append(f"HQ settlements against the channel's payments: {len(channel_payments)} channel payments, "
                                   f"{len(journal)} journal lines, {settlements} settlements for {payments}; "
                                   f"{len(wrong)} differ (e.g. {wrong[:3]})")
        self.journal, self.settlements = journal, settlements

    def check_invoices(self):
        """Each invoice: HQ's settled and discount moved by exactly the run's settlements; within
        what is due; the channel shows HQ's figures."""
        hq, hq_before = self.hq, self.run.hq_before
        moved = {}
        for _, number, _, _, _, _, settled, discount in ((pid,) + row for pid, row in self.journal.items()):
            before = moved.get(number, (0, 0))
            moved[number] = (before[0] + (settled or 0), before[1] + (discount or 0))
        bad_invoices = []
        for row in hq.execute("SELECT number, total_minor, settled_minor, discount_taken_minor FROM invoice"):
            number, due, settled, discount = row
            start = hq_before.get(number, (0, 0))
            delta = moved.get(number, (0, 0))
            if (settled, discount) != (start[0] + delta[0], start[1] + delta[1]) or settled + discount > due or settled < 0:
                bad_invoices.append(number)
        disagreeing = one(hq, "SELECT count(*) FROM invoice") - len(agreeing_invoices(self.db, hq))
        if bad_invoices or disagreeing:
            self.violations.append(f"{len(bad_invoices)} HQ invoices whose settled + discount taken + open ≠ due or that moved "
                                   f"other than by the run's settlements (e.g. {bad_invoices[:3]}); {disagreeing} channel "
                                   f"invoices differ from HQ")

    def check_emails(self):
        """E-mails: exactly one (by Message-ID) per completed request and per collection letter sent
        at the SMTP server; every letter HQ issued decided in the ledger (sent, or skipped because its
        invoices were paid since), none failed; no invoice with a letter level twice."""
        db, hq = self.db, self.hq
        ledger = {row[0]: row[1] for row in db.execute("SELECT request_id, message_id FROM email_ledger WHERE status = 'sent'")}
        completed = {row[0] for row in db.execute("SELECT request_id FROM b2b_request WHERE status = 'completed'")}
        letters = {row[0] for row in hq.execute("SELECT letter_id FROM collection_letter")}
        states = dict(db.execute("SELECT request_id, status FROM email_ledger"))
        letter_states = {}
        for letter in letters:
            letter_states[states.get(letter, "missing")] = letter_states.get(states.get(letter, "missing"), 0) + 1
        if set(letter_states) - {"sent", "skipped"}:
            self.violations.append(f"collection letters not sent once nor skipped: {letter_states}")
        levels_twice = one(hq, "SELECT count(*) FROM (SELECT invoice_number, level FROM collection_letter_invoice "
                               "GROUP BY invoice_number, level HAVING count(*) > 1)")
        if levels_twice:
            self.violations.append(f"{levels_twice} invoices had a collection letter level twice")
        received = self.run.smtp.message_ids()
        distinct = set(received)
        expected_ids = {ledger[request] for request in completed if request in ledger}
        letter_ids = {ledger[letter] for letter in letters if letter in ledger}
        if len(expected_ids) != len(completed) or distinct != expected_ids | letter_ids:
            self.violations.append(f"e-mails: {len(completed)} completed requests, {len(expected_ids)} sent in the ledger, "
                                   f"{len(letter_ids)} collection letters sent, {len(distinct)} distinct Message-IDs at the SMTP "
                                   f"server ({len((expected_ids | letter_ids) - distinct)} missing, "
                                   f"{len(distinct - expected_ids - letter_ids)} unexpected)")
        self.completed, self.received, self.distinct = completed, received, distinct
        self.letters, self.letter_states = letter_ids, letter_states

    def check_queues_and_jobs(self, channel):
        """Every queue empty; every job run finished; none refused to send; nothing held back."""
        hq = self.hq
        left_in_queues = {}
        for queue in topology_queues():
            depth = kinds.queue_depth(channel, queue)
            if depth:
                left_in_queues[queue] = depth
        if left_in_queues:
            self.violations.append(f"queues not empty: {left_in_queues}")
        unfinished = one(hq, "SELECT count(*) FROM job_run WHERE finished_at IS NULL")
        if unfinished:
            self.violations.append(f"{unfinished} HQ job runs never finished")
        self.job_runs = dict(hq.execute("SELECT status, count(*) FROM job_run GROUP BY status").fetchall())
        # What a part sends, its consumer accepts (issue #22): no run failed for a message its consumer
        # would refuse, and Distribution holds nothing back — every record it read went out.
        unsendable_runs = one(hq, "SELECT count(*) FROM job_run WHERE error LIKE 'refused to send%'")
        if unsendable_runs:
            self.violations.append(f"{unsendable_runs} HQ job runs would have sent a message its consumer refuses")
        held = hq.execute("SELECT stream, key, reason FROM distribution_held LIMIT 5").fetchall()
        if held:
            self.violations.append(f"Distribution holds records back: {held}")

    def check_logs(self):
        """Each fault reached a worker, as the worker's fault (paused or blocked), and none spent a
        message's attempt: a retry is for the message's own fault only."""
        args, outages = self.args, self.run.outages
        logs = ""
        for kind in self.run.workers.units:
            with open(os.path.join(args.out, f"worker-{kind}.log"), errors="replace") as log:
                logs += log.read()
        for fault, number, held in outages.unreached:
            self.violations.append(f"the {fault} (round {number}) reached no worker in {held} s (no '{TRACES[fault]}' in their logs)")
        # On a cluster, the workers went over to another node while one was down.
        self.failovers = logs.count("AMQP node unavailable; trying the next")
        if cluster_nodes(args) and outages.restarted_nodes and self.failovers == 0:
            self.violations.append("nodes were restarted, yet no worker went over to another node")
        # Each kind under its own broker user published only what Topology/workers.json lets it.
        refused = [line for line in logs.splitlines() if "ACCESS_REFUSED" in line]
        if refused:
            self.violations.append(f"{len(refused)} publishes or declarations refused by the broker, e.g. {refused[0][:300]}")
        worker_faults = ("locked", "disk is full", "unavailable", "blocks this connection", "connectionClosed", "connectionRefused")
        self.retried = [line for line in logs.splitlines() if "message will be retried" in line]
        spent = [line for line in self.retried if any(fault in line for fault in worker_faults)]
        if spent:
            self.violations.append(f"{len(spent)} retries for a worker's fault, e.g. {spent[0][:300]}")

    def check_secrets(self):
        """The buyers' password and its hashes stay in the channel store: no log, job output, plan,
        metrics page or e-mail at the SMTP server shows either (the broker and SMTP passwords:
        scripts/chaos)."""
        args = self.args
        secrets = [row[0].encode() for row in self.db.execute("SELECT password_hash FROM channel_credential")] + [DEMO_PASSWORD.encode()]
        secrets += [secret.encode() for secret in self.run.buyers.secrets]  # the portal's session cookies and CSRF tokens
        shown = []
        for folder, _, names in os.walk(args.out):
            if os.path.abspath(folder).startswith(os.path.abspath(args.data_dir)):
                continue
            for name in names:
                with open(os.path.join(folder, name), "rb") as file:
                    data = file.read()
                shown += [name for secret in secrets if secret in data][:1]
        if len(secrets) < 2 or shown:
            self.violations.append(f"{len(secrets) - 1} password hashes, session cookies and CSRF tokens: one is shown in {shown[:5]}")
        self.secrets = secrets

    def check_self_exits(self):
        """A worker may end by itself only when it cannot start — the broker down (the restart), or
        its store not to be opened on the full disk (a restart after a kill meets the fault before
        any message): exit 1 with that said, nothing taken from a queue."""
        starts_refused = ("is RabbitMQ running", "management API", "AMQP connectionClosed")
        for kind, code, line in self.run.workers.self_exits:
            full_store = line.startswith("remit: store ") and line.endswith("database or disk is full")
            if code != 1 or not (full_store or any(reason in line for reason in starts_refused)):
                self.violations.append(f"{kind} ended by itself with {code}: {line[:300]}")

    def count_lost_and_twice(self):
        """Lost: a planned message without its inbox record. Done twice: an effect found more than
        once — a payment journalled or settled again in HQ, a copy request recorded again, an e-mail
        sent again under another Message-ID (the inbox's key keeps a message from being recorded
        twice; what it guards is counted here)."""
        args, db, hq, checkouts, run_payment = self.args, self.db, self.hq, self.run.checkouts, self.run_payment
        lost = sum(args.count - min(applied(db, kind), args.count) for kind in BACKLOGS)
        lost += len(checkouts.ids) - min(checkouts.applied(db), len(checkouts.ids))
        again = lambda counts: sum(count - 1 for payment, count in counts if run_payment(payment) and count > 1)
        twice = {"journal_lines": again(hq.execute("SELECT channel_payment_id, count(*) FROM payment_journal_line GROUP BY 1")),
                 "settlements": again(hq.execute("SELECT j.channel_payment_id, count(*) FROM settlement s JOIN payment_journal_line j "
                                                 "ON j.id = s.journal_line_id GROUP BY 1")),
                 "requests": max(0, one(db, "SELECT count(*) FROM b2b_request") - args.count - self.portal_rows)
                 + sum(count - 1 for count in self.rows.values() if count > 1),
                 "emails": max(0, len(self.distinct) - len(self.completed) - len(self.letters))}
        if any(twice.values()):
            self.violations.append(f"done twice: {twice}")
        self.lost, self.twice = lost, twice

    def report(self):
        """The figures as one JSON line on stdout; each violation on stderr; exit 1 if any."""
        run, args, violations = self.run, self.args, self.violations
        workers, outages, buyers, checkouts = run.workers, run.outages, run.buyers, run.checkouts
        figures = {"messages": args.count * len(BACKLOGS) + len(checkouts.ids), "payments_settled_in_hq": self.settlements,
                   "emails": len(self.distinct), "emails_resent_same_message_id": len(self.received) - len(self.distinct),
                   "collection_letters": self.letter_states,
                   "kills": run.kills, "sigterms": run.terms,
                   "worker_starts": sum(workers.starts.values()), "ended_by_themselves": len(workers.self_exits),
                   "outages": outages.done, "outage_seconds": {k: round(v, 1) for k, v in outages.seconds.items()},
                   "job_runs": self.job_runs, "job_starts_failed": run.jobs.failed, "final_rounds": run.rounds,
                   "nodes_restarted": outages.restarted_nodes, "hosts_killed": getattr(outages, "killed_hosts", []),
                   "portal_restarts": getattr(buyers, "portal_restarts", 0), "failovers": self.failovers, "retries": len(self.retried),
                   "password_hashes_not_shown": len(self.secrets) - 1 - len(buyers.secrets),
                   "checkouts": len(checkouts.ids), "checkout_publishes_retried": checkouts.failed_publishes,
                   "portal_sessions": len(buyers.secrets) // 2, "portal_answers": buyers.statuses, "portal_unanswered": len(buyers.errors),
                   "portal_copy_requests": len(buyers.commands), "replies_redelivered": self.duplicated_replies, "lost": self.lost,
                   "done_twice": sum(self.twice.values()), "seconds": round(run.elapsed, 1),
                   "violations": len(violations)}
        print(json.dumps(figures))
        for violation in violations:
            print(f"  VIOLATION {violation}", file=sys.stderr)
        if violations:
            sys.exit(1)
