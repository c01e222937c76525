import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitHQ
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitWorkers
import Testing

/// A seeded HQ, the HQ job workers and the channel-updates worker, running in-process against the
/// test's vhost, with a clock standing still on 2026-11-29 at noon.
struct HQWorld: Sendable {
    let broker: TestBroker
    let dependencies: WorkerDependencies
    let clock: ManualWallClock
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!

    let hq: HQStore
    let channel: ChannelStore

    /// The kinds of the storefront, beside the HQ jobs and channel updates.
    static let storefrontKinds = ["cart-validation", "payment-posting", "invoice-requests"]

    static func with(
        customers: Int = 12, invoices: Int = 40, extraJobWorkers: Int = 0, storefront: [String] = [],
        policy: StorefrontPolicy = StorefrontPolicy(), mail: MailSettings? = nil, logger: Logger = testLogger,
        _ body: (HQWorld) async throws -> Void
    ) async throws {
        try await TestBroker.with { broker in
            let clock = ManualWallClock(Date(timeIntervalSince1970: Double(today.daysSinceEpoch) * 86_400 + 43_200))
            let channel = try broker.channelStore()
            let hq = try HQStore(dataDirectory: broker.dataDirectory)
            let dependencies = WorkerDependencies(
                stores: DataDirectoryStores(channel: channel, hq: hq), clock: clock,
                logger: logger, workerName: "worker-a", policy: policy, mail: mail)
            try HQSeeder(store: hq, today: today).seed(.init(customers: customers, invoices: invoices, seed: 11))
            let world = HQWorld(broker: broker, dependencies: dependencies, clock: clock, hq: hq, channel: channel)
            let kinds =
                ["hq-p0001", "hq-sync", "hq-invoice-posting", "hq-distribution", "hq-collection-letters", "channel-updates"]
                + storefront
            let runtimes = try kinds.map { name in
                let kind = try broker.topology.kind(named: name)
                return try WorkerKinds.runtime(
                    for: kind, topology: broker.topology, amqp: broker.amqp, dependencies: dependencies,
                    settings: .init(consumers: 1, prefetch: kind.prefetch))
            }
            let tasks = runtimes.map { runtime in Task { try await runtime.run() } }
            defer { for task in tasks { task.cancel() } }
            do {
                try await body(world)
            } catch {
                for runtime in runtimes { await runtime.drain() }
                for task in tasks { try await task.value }
                throw error
            }
            for runtime in runtimes { await runtime.drain() }
            for task in tasks { try await task.value }
        }
    }

    /// Starts one run of `job` and waits for its record.
    @discardableResult
    func run(_ name: String) async throws -> JobRun {
        let job = try #require(HQJobs.named(name))
        let runId = try await JobScheduler.publishRun(
            of: job, requestedBy: "system:test", topology: broker.topology,
            amqp: broker.amqp, clock: clock, logger: testLogger)
        var record: JobRun?
        try await expectEventually("\(name) run \(runId) finished", timeout: .seconds(30)) {
            record = try await hq.pool.read { try JobRun.find($0, runId: runId) }
            return record?.finishedAt != nil
        }
        return try #require(record)
    }

    /// Distribution, then waits until the channel store shows `condition`.
    func distribute(until what: String, _ condition: @escaping @Sendable (Database) throws -> Bool) async throws {
        try await run("Distribution")
        try await expectEventually(what, timeout: .seconds(30)) { try await channel.pool.read(condition) }
    }

    func hqCount(_ sql: String, _ arguments: StatementArguments = []) async throws -> Int {
        try await hq.pool.read { try Int.fetchOne($0, sql: sql, arguments: arguments) ?? 0 }
    }

    func record(_ transaction: ChannelTransaction) async throws {
        _ = try await channel.pool.write { try transaction.record($0) }
    }

    /// A user of a customer that has invoices of its own, with one of those invoices.
    func buyerWithInvoice(status: String) async throws -> (login: String, account: String, invoice: String) {
        let row = try hq.pool.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT u.login, u.customer_account, i.number FROM b2b_user u JOIN invoice i ON i.customer_account = u.customer_account
                    WHERE (? = 'unpaid' AND i.settled_minor = 0 AND i.discount_taken_minor = 0 AND (i.discount_last_day IS NULL OR i.discount_last_day < ?))
                    ORDER BY i.number LIMIT 1
                    """, arguments: [status, HQWorld.today.description])
        }
        let found = try #require(row, "the seed has a standalone buyer with an unpaid invoice")
        return (found["login"], found["customer_account"], found["number"])
    }
}

@Suite("HQ jobs against a real broker and SQLite", .serialized)
struct HQJobTests {
    func payment(
        _ id: String, _ buyer: (login: String, account: String, invoice: String), _ minor: Int64, at date: Date
    ) -> ChannelTransaction {
        ChannelTransaction(
            id: id, kind: .invoicePayment, customerAccount: buyer.account, userLogin: buyer.login,
            invoiceNumber: buyer.invoice, amount: Money(minorUnits: minor, currency: .EUR), tender: "on-account",
            createdAt: date)
    }

    @Test func p0001RunTwiceUploadsNothingTwice() async throws {
        try await HQWorld.with { world in
            let buyer = try await world.buyerWithInvoice(status: "unpaid")
            for index in 0..<3 { try await world.record(payment("pay-\(index)", buyer, 100, at: world.clock.now())) }
            _ = try await world.channel.pool.write {
                try B2BRequest(
                    requestId: "req-1", userLogin: buyer.login, customerAccount: buyer.account,
                    invoiceNumber: buyer.invoice, submittedAt: world.clock.now()
                ).record($0)
            }
            let first = try await world.run("P-0001")
            #expect(first.status == .succeeded)
            #expect(first.counts?.contains("payments=3") == true && first.counts?.contains("requests=1") == true, "\(first.counts ?? "")")
            let second = try await world.run("P-0001")
            #expect(second.counts?.contains("payments=0") == true && second.counts?.contains("already-uploaded=0") == true)
            #expect(try await world.hqCount("SELECT COUNT(*) FROM payment_journal_line") == 3)
            #expect(try await world.hqCount("SELECT COUNT(*) FROM channel_request") == 1)
            let pending = try await world.channel.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM channel_transaction WHERE uploaded_at IS NULL") ?? -1
            }
            #expect(pending == 0)
        }
    }

    @Test func aCrashBetweenUploadAndMarkingIsRepairedWithoutDuplicates() async throws {
        try await HQWorld.with { world in
            let buyer = try await world.buyerWithInvoice(status: "unpaid")
            for index in 0..<3 { try await world.record(payment("crash-\(index)", buyer, 250, at: world.clock.now())) }
            struct Crash: Error {}
            let crashing = P0001Upload(hq: world.hq, worker: "crashing", afterUpload: { throw Crash() })
            let header = EnvelopeHeader(
                type: P0001Run.messageType, version: 1, id: "crashed-run", correlationId: "c",
                causationId: nil, occurredAt: world.clock.now(), actingUser: "system:test")
            let message = IncomingMessage(header: header, body: P0001Run(requestedBy: "test"), attempt: 1, receivedAt: world.clock.now())
            // The run's transaction prepares the upload; HQ commits it; the crash comes before the
            // channel's transaction that would mark the rows (the effect's outcome is never recorded).
            let context = HandlerContext(logger: testLogger, now: world.clock.now(), attempt: 1, header: header)
            let upload = try await world.channel.write { transaction in
                try crashing.prepareEffect(for: message, context: context, in: transaction)
            }
            let outcome = await crashing.performEffect(try #require(upload), for: message, context: context)
            guard case .retryLater(let reason) = outcome else {
                Issue.record("expected the crash to leave the run to be tried again, got \(outcome)")
                return
            }
            #expect(reason.contains("Crash"))
            #expect(try await world.hqCount("SELECT COUNT(*) FROM payment_journal_line") == 3, "HQ committed the upload")
            let stillPending = try await world.channel.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM channel_transaction WHERE uploaded_at IS NULL") ?? -1
            }
            #expect(stillPending == 3, "the channel never marked them")

            let repair = try await world.run("P-0001")
            #expect(repair.counts?.contains("already-uploaded=3") == true, "\(repair.counts ?? "")")
            #expect(try await world.hqCount("SELECT COUNT(*) FROM payment_journal_line") == 3, "no duplicates")
            // HQ records the run as finished before the channel's transaction (the marking) commits.
            try await expectEventually("the repair run marks them uploaded in the channel", timeout: .seconds(30)) {
                try await world.channel.pool.read {
                    try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM channel_transaction WHERE uploaded_at IS NULL") ?? -1
                } == 0
            }
        }
    }

    @Test func onlyOneJobWorkerExecutesRunsAtATime() async throws {
        try await HQWorld.with { world in
            // A second worker for the same job, as another process would be.
            let other = WorkerDependencies(
                stores: DataDirectoryStores(channel: world.channel, hq: world.hq), clock: world.clock,
                logger: testLogger, workerName: "worker-b")
            let kind = try world.broker.topology.kind(named: "hq-sync")
            let second = try WorkerKinds.runtime(
                for: kind, topology: world.broker.topology, amqp: world.broker.amqp,
                dependencies: other, settings: .init(consumers: 1, prefetch: 1))
            let task = Task { try await second.run() }
            // With a single active consumer, AMQP reports one consumer; the management API lists both.
            try await expectEventually("both sync workers are consuming", timeout: .seconds(30)) {
                try await world.broker.management.queue(vhost: world.broker.amqp.vhost, name: kind.queue)?["consumers"]?.intValue == 2
            }
            var workers = Set<String>()
            for _ in 0..<6 { workers.insert(try await world.run("Synchronize orders and channel requests").worker) }
            await second.drain()
            try await task.value
            #expect(workers.count == 1, "single active consumer: one worker ran every run, got \(workers)")
        }
    }

    @Test func anOrderOnAccountBecomesASalesOrderThenAnInvoiceWithTheRightDueDate() async throws {
        try await HQWorld.with { world in
            let customer = try #require(
                try world.hq.pool.read { db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT u.login, c.account, t.net_days, t.discount_basis_points, t.discount_days FROM b2b_user u
                            JOIN customer c ON c.account = u.customer_account JOIN payment_terms t ON t.code = c.payment_terms
                            ORDER BY t.discount_basis_points IS NULL, u.login LIMIT 1
                            """)
                })
            let lines = [
                ChannelTransaction.OrderLine(sku: "P-001", quantity: 3, unitPrice: Money(minorUnits: 1_250, currency: .EUR)),
                ChannelTransaction.OrderLine(sku: "P-002", quantity: 1, unitPrice: Money(minorUnits: 9_900, currency: .EUR)),
            ]
            try await world.record(
                ChannelTransaction(
                    id: "order-1", kind: .orderOnAccount, customerAccount: customer["account"],
                    userLogin: customer["login"], invoiceNumber: nil,
                    amount: Money(minorUnits: 13_650, currency: .EUR), tender: "on-account",
                    lines: lines, createdAt: world.clock.now()))
            try await world.run("P-0001")
            #expect(
                try await world.hqCount("SELECT COUNT(*) FROM sales_order WHERE channel_order_id = 'order-1' AND status = 'uploaded'") == 1)
            try await world.run("Synchronize orders and channel requests")
            #expect(
                try await world.hqCount(
                    "SELECT COUNT(*) FROM sales_order_line l JOIN sales_order o ON o.id = l.order_id WHERE o.channel_order_id = 'order-1'")
                    == 2)
            try await world.run("Invoice posting")
            let invoice = try #require(
                try world.hq.pool.read { db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT i.* FROM invoice i JOIN sales_order o ON o.id = i.order_id WHERE o.channel_order_id = 'order-1'
                            """)
                })
            let netDays: Int = customer["net_days"]
            #expect(invoice["invoice_date"] == HQWorld.today.description)
            #expect(invoice["due_date"] == HQWorld.today.adding(days: netDays).description)
            #expect(invoice["total_minor"] == 13_650 as Int64)
            if let basisPoints = customer["discount_basis_points"] as Int? {
                let days: Int = customer["discount_days"]
                #expect(invoice["discount_last_day"] == HQWorld.today.adding(days: days).description)
                #expect(invoice["discount_minor"] == Int64(13_650) * Int64(basisPoints) / 10_000)
            }
            #expect(
                try await world.hqCount("SELECT COUNT(*) FROM sales_order WHERE channel_order_id = 'order-1' AND status = 'invoiced'") == 1)
            let number: String = invoice["number"]
            try await world.distribute(until: "the channel shows the new invoice") { db in
                try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = ?", arguments: [number]) == "unpaid"
            }
        }
    }

    @Test func paymentsSettleTheInvoiceAndTheChannelShowsTheNewStatus() async throws {
        try await HQWorld.with { world in
            let buyer = try await world.buyerWithInvoice(status: "unpaid")
            let total = try await world.hqCount("SELECT total_minor FROM invoice WHERE number = ?", [buyer.invoice])
            try await world.distribute(until: "the channel has the seeded invoices") { db in
                try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = ?", arguments: [buyer.invoice]) == "unpaid"
            }
            // A partial payment: partially paid, with the right open amount.
            let part = Int64(total / 3)
            try await world.record(payment("pay-part", buyer, part, at: world.clock.now()))
            try await world.run("P-0001")
            let sync = try await world.run("Synchronize orders and channel requests")
            #expect(sync.counts?.contains("payments-posted=1") == true, "\(sync.counts ?? "")")
            try await world.distribute(until: "the channel shows the invoice partially paid") { db in
                try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = ?", arguments: [buyer.invoice])
                    == "partially-paid"
            }
            let open = try await world.channel.pool.read { db in
                try Int64.fetchOne(
                    db, sql: "SELECT total_minor - settled_minor - discount_taken_minor FROM channel_invoice WHERE number = ?",
                    arguments: [buyer.invoice])
            }
            #expect(open == Int64(total) - part)
            // The rest: paid.
            world.clock.advance(by: 60)
            try await world.record(payment("pay-rest", buyer, Int64(total) - part, at: world.clock.now()))
            try await world.run("P-0001")
            try await world.run("Synchronize orders and channel requests")
            try await world.distribute(until: "the channel shows the invoice paid") { db in
                try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = ?", arguments: [buyer.invoice]) == "paid"
            }
            #expect(try await world.hqCount("SELECT COUNT(*) FROM settlement WHERE invoice_number = ?", [buyer.invoice]) == 2)
        }
    }

    /// The defect this guards against: 1,001 payments on one invoice once made Distribution publish
    /// a message over the schema's 1,000 payments; channel-updates dead-lettered it, and with it every
    /// other invoice of its batch, while the run said "succeeded" and its watermark moved on.
    @Test func anInvoiceWithFiveThousandPaymentsReachesThePortalAndSoDoesEveryInvoiceBesideIt() async throws {
        try await HQWorld.with(customers: 12, invoices: 40) { world in
            let buyer = try await world.buyerWithInvoice(status: "unpaid")
            let neighbour = try #require(
                try world.hq.pool.read { db in
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT u.login, u.customer_account, i.number, i.total_minor FROM b2b_user u
                            JOIN invoice i ON i.customer_account = u.customer_account
                            WHERE u.customer_account != ? AND i.settled_minor = 0 AND i.discount_taken_minor = 0
                                AND (i.discount_last_day IS NULL OR i.discount_last_day < ?)
                            ORDER BY i.number LIMIT 1
                            """, arguments: [buyer.account, HQWorld.today.description])
                }, "another customer's unpaid invoice")
            let other = (
                login: neighbour["login"] as String, account: neighbour["customer_account"] as String,
                invoice: neighbour["number"] as String
            )
            let total: Int64 = neighbour["total_minor"]
            let invoiceCount = try await world.hqCount("SELECT COUNT(*) FROM invoice")
            try await world.distribute(until: "the channel has the seeded invoices") { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_invoice") == invoiceCount
            }
            // 5,000 payments of 0.01 on one invoice, and the neighbour paid in full, all pending.
            let payments = (0..<5_000).map { index in
                payment("many-\(index)", buyer, 1, at: world.clock.now().addingTimeInterval(Double(index) / 1_000))
            }
            _ = try await world.channel.pool.write { db in
                for payment in payments { try payment.record(db) }
                try self.payment("neighbour-full", other, total, at: world.clock.now()).record(db)
            }
            for _ in 0..<20 where try await world.hqCount("SELECT COUNT(*) FROM payment_journal_line") < 5_001 {
                try await world.run("P-0001")
            }
            #expect(try await world.hqCount("SELECT COUNT(*) FROM payment_journal_line") == 5_001)
            let sync = try await world.run("Synchronize orders and channel requests")
            #expect(sync.counts?.contains("payments-posted=5001") == true, "\(sync.counts ?? "")")
            let distribution = try await world.run("Distribution")
            #expect(distribution.status == .succeeded && distribution.error == nil, "\(distribution.error ?? "")")
            try await expectEventually("the neighbour paid and 5,000 settlements on the invoice, in the channel", timeout: .seconds(120)) {
                try await world.channel.pool.read { db in
                    try String.fetchOne(db, sql: "SELECT status FROM channel_invoice WHERE number = ?", arguments: [other.invoice])
                        == "paid"
                        && Int.fetchOne(
                            db, sql: "SELECT COUNT(*) FROM channel_settlement WHERE invoice_number = ?", arguments: [buyer.invoice])
                            == 5_000
                        && Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_transaction WHERE hq_state = 'posted'") == 5_001
                }
            }
            let settled = try await world.channel.pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT settled_minor FROM channel_invoice WHERE number = ?", arguments: [buyer.invoice])
            }
            #expect(settled == 5_000)
            #expect(try await world.broker.readyCount("remit.channel-updates.dead") == 0, "nothing was dead-lettered")
            // Nothing is left due: the next run has nothing to do.
            let next = try await world.run("Distribution")
            #expect(next.error == nil && (next.counts ?? "").isEmpty, "\(next.counts ?? "")")
        }
    }

    @Test func anInvoiceCopyRequestHandsTheMailForTheRegisteredAddressOnAndShowsItProcessing() async throws {
        try await HQWorld.with { world in
            let buyer = try await world.buyerWithInvoice(status: "unpaid")
            let foreign = try #require(
                try await world.hq.pool.read { db in
                    try String.fetchOne(
                        db,
                        sql: """
                            SELECT number FROM invoice WHERE customer_account != ? AND customer_account NOT IN
                                (SELECT invoice_account FROM customer WHERE account = ? AND invoice_account IS NOT NULL) LIMIT 1
                            """, arguments: [buyer.account, buyer.account])
                })
            let email = try #require(
                try await world.hq.pool.read {
                    try String.fetchOne($0, sql: "SELECT email FROM b2b_user WHERE login = ?", arguments: [buyer.login])
                })
            _ = try await world.channel.pool.write { db in
                try B2BRequest(
                    requestId: "copy-1", userLogin: buyer.login, customerAccount: buyer.account,
                    invoiceNumber: buyer.invoice, submittedAt: world.clock.now()
                ).record(db)
                try B2BRequest(
                    requestId: "copy-foreign", userLogin: buyer.login, customerAccount: buyer.account,
                    invoiceNumber: foreign, submittedAt: world.clock.now()
                ).record(db)
            }
            try await world.run("P-0001")
            try await world.run("Synchronize orders and channel requests")
            let mails = try await world.broker.drain("remit.email", expected: 1)
            #expect(mails.count == 1, "only the user's own invoice is mailed")
            let mail = try MessageCoding.decoder().decode(Envelope<EmailSend>.self, from: Data(try #require(mails.first).body))
            #expect(mail.body.to == email && mail.body.invoice.number == buyer.invoice && mail.body.requestId == "copy-1")
            #expect(!mail.body.invoice.lines.isEmpty, "the e-mail carries the invoice's lines")
            // Completed only once the mail server accepted the e-mail (e-mail dispatch's part).
            try await world.distribute(until: "the channel shows one request processing and the foreign one failed") { db in
                try String.fetchAll(db, sql: "SELECT status FROM b2b_request ORDER BY request_id") == ["processing", "failed"]
            }
        }
    }
}

@Suite("remit hq commands as child processes", .serialized)
struct HQCommandTests {
    @Test func seedRunJobAndJobsFromTheCommandLine() async throws {
        try await TestBroker.with { broker in
            let (seedStatus, seedOutput) = try await RemitProcess.run(
                ["hq", "seed", "--customers", "20", "--invoices", "100", "--seed", "5", "--today", "2026-11-29"], broker: broker)
            #expect(seedStatus == 0, "\(seedOutput)")
            #expect(seedOutput.contains("100 invoices") && seedOutput.contains("Demo logins"))
            let (again, againOutput) = try await RemitProcess.run(["hq", "seed"], broker: broker)
            #expect(again != 0 && againOutput.contains("already has"), "seeding twice is refused")

            // One invoice HQ holds has a line the channel's contract does not allow (1,001 characters).
            let hq = try HQStore(dataDirectory: broker.dataDirectory)
            let broken = try await hq.pool.write { db -> String in
                let number = try #require(
                    try String.fetchOne(db, sql: "SELECT invoice_number FROM invoice_line ORDER BY invoice_number LIMIT 1"))
                try db.execute(
                    sql: "UPDATE invoice_line SET description = ? WHERE invoice_number = ?",
                    arguments: [String(repeating: "d", count: 1_001), number])
                return number
            }
            let worker = try RemitProcess(["worker", "hq-distribution", "channel-updates"], broker: broker)
            let (status, output) = try await RemitProcess.run(["hq", "run-job", "distribution", "--wait", "60"], broker: broker)
            #expect(status == 0, "\(output)\n\(worker.output.suffix(1500))")
            #expect(output.contains("succeeded") && output.contains("invoices=99") && output.contains("held=1"), "\(output)")
            #expect(output.contains("held back 1") && output.contains(broken), "the run names what it held back: \(output)")
            let (_, held) = try await RemitProcess.run(["hq", "held"], broker: broker)
            #expect(held.contains("invoices  \(broken)") && held.contains("at most 1000 characters"), "\(held)")
            // Corrected in HQ: the next run sends it, and nothing is held any more.
            try await hq.pool.write { db in
                try db.execute(sql: "UPDATE invoice_line SET description = 'Corrected' WHERE invoice_number = ?", arguments: [broken])
            }
            let (_, fixed) = try await RemitProcess.run(["hq", "run-job", "distribution", "--wait", "60"], broker: broker)
            #expect(fixed.contains("invoices=1") && !fixed.contains("held"), "\(fixed)")
            #expect(try await RemitProcess.run(["hq", "held"], broker: broker).1.contains("nothing held back"))
            try await expectEventually("channel-updates stored the distributed invoices") {
                (try? broker.rows("SELECT COUNT(*) FROM channel_invoice")) == 100
            }
            // Run again with nothing changed: it says so rather than printing empty counts.
            let (idle, idleOutput) = try await RemitProcess.run(["hq", "run-job", "distribution", "--wait", "60"], broker: broker)
            #expect(idle == 0 && idleOutput.contains("succeeded: nothing to do (worker "), "\(idleOutput)")
            let (_, jobs) = try await RemitProcess.run(["hq", "jobs"], broker: broker)
            #expect(jobs.contains("Distribution") && jobs.contains("succeeded"), "\(jobs)")
            let (unknown, unknownOutput) = try await RemitProcess.run(["hq", "run-job", "P-9999"], broker: broker)
            #expect(unknown != 0 && unknownOutput.contains("unknown job 'P-9999'"))
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0)
        }
    }

    @Test func collectionPoliciesAndLettersFromTheCommandLine() async throws {
        try await TestBroker.with { broker in
            let (seedStatus, seedOutput) = try await RemitProcess.run(
                ["hq", "seed", "--customers", "8", "--invoices", "60"], broker: broker)
            #expect(seedStatus == 0, "\(seedOutput)")
            let (_, policies) = try await RemitProcess.run(["hq", "collection", "policies"], broker: broker)
            #expect(
                policies.contains("standard  (8 accounts)") && policies.contains("level 2  First reminder  — 7 days after the due date"))
            #expect(try await RemitProcess.run(["hq", "collection", "assign", "C000002", "none"], broker: broker).0 == 0)
            let (unknown, unknownOutput) = try await RemitProcess.run(["hq", "collection", "assign", "C-404", "none"], broker: broker)
            #expect(unknown == 1 && unknownOutput == "remit: HQ has no customer account 'C-404'\n", "\(unknownOutput)")
            let (level, levelOutput) = try await RemitProcess.run(
                ["hq", "collection", "set-level", "gentle", "0", "--title", "Discount ends soon", "--anchor", "discount", "--days", "-3"],
                broker: broker)
            #expect(level == 0 && levelOutput.contains("policy 'gentle' level 0: Discount ends soon"), "\(levelOutput)")
            let (far, farOutput) = try await RemitProcess.run(
                ["hq", "collection", "set-level", "gentle", "1", "--title", "Late", "--days", "400"], broker: broker)
            #expect(far == 1 && farOutput.contains("days 400 is not from -365 to 365"), "\(farOutput)")

            let worker = try RemitProcess(["worker", "hq-collection-letters", "email-dispatch"], broker: broker)
            let (status, output) = try await RemitProcess.run(["hq", "run-job", "Collection letters", "--wait", "60"], broker: broker)
            #expect(status == 0 && output.contains("succeeded") && output.contains("letters="), "\(output)\n\(worker.output.suffix(1500))")
            let (_, letters) = try await RemitProcess.run(["hq", "collection", "letters", "--limit", "1000"], broker: broker)
            let lines = letters.split(separator: "\n")
            #expect(!lines.isEmpty && !letters.contains("C000002 "), "the opted-out account has none: \(letters)")
            // Each letter e-mailed once, into the file outbox (no smtp-url).
            let outbox = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("outbox").path
            try await expectEventually("every letter is in the outbox") {
                ((try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? []).filter { $0.hasSuffix(".eml") }.count == lines.count
            }
            let (_, again) = try await RemitProcess.run(["hq", "run-job", "Collection letters", "--wait", "60"], broker: broker)
            #expect(again.contains("succeeded") && !again.contains("letters="), "nothing twice: \(again)")
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0)
        }
    }
}

@Suite("HQ job scheduler", .serialized)
struct JobSchedulerTests {
    @Test func startsEveryScheduledJobAtItsIntervalOnTheInjectedClock() async throws {
        try await HQWorld.with { world in
            // The seed's world: minutes between runs. The test moves the clock instead of waiting.
            let scheduler = try JobScheduler(
                topology: world.broker.topology, amqp: world.broker.amqp, clock: world.clock,
                logger: testLogger,
                overrides: [
                    "P-0001": 300, "Synchronize orders and channel requests": 300,
                    "Invoice posting": 600, "Distribution": 600, "Collection letters": 3600,
                ])
            #expect(scheduler.schedule.count == 5)
            func succeededRuns() async throws -> [String: Int] {
                try await world.hq.pool.read { db in
                    Dictionary(
                        uniqueKeysWithValues: try Row.fetchAll(
                            db, sql: "SELECT job, COUNT(*) AS runs FROM job_run WHERE status = 'succeeded' GROUP BY job"
                        )
                        .map { ($0["job"] as String, $0["runs"] as Int) })
                }
            }
            let task = Task { try await scheduler.run() }
            try await expectEventually("each job ran once at start and the scheduler sleeps", timeout: .seconds(30)) {
                try await succeededRuns().values.reduce(0, +) == 5 && world.clock.sleepers == 5
            }
            world.clock.advance(by: 300)
            try await expectEventually("the 5-minute jobs ran again; the 10-minute jobs did not", timeout: .seconds(30)) {
                let runs = try await succeededRuns()
                return runs["P-0001"] == 2 && runs["Synchronize orders and channel requests"] == 2 && world.clock.sleepers == 5
            }
            #expect(try await succeededRuns()["Distribution"] == 1)
            world.clock.advance(by: 300)
            try await expectEventually("every job ran again", timeout: .seconds(30)) {
                let runs = try await succeededRuns()
                return runs["P-0001"] == 3 && runs["Distribution"] == 2 && runs["Invoice posting"] == 2
            }
            #expect(try await succeededRuns()["Collection letters"] == 1, "hourly: once so far")
            task.cancel()
            #expect(throws: ConfigurationError.self) {
                try JobScheduler(topology: world.broker.topology, amqp: world.broker.amqp, logger: testLogger, overrides: ["P-9": 5])
            }
        }
    }
}
