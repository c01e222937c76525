import Foundation
import GRDB
import Logging
import RemitWorkers
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitHQ
@testable import RemitRuntime
@testable import RemitSQLite
import RemitStore

/// What HQ's jobs send, at the extremes of what HQ holds: worlds seeded at random and then pushed
/// to every limit the channel's contract allows (the longest names in mixed scripts, thousands of
/// payments and settlements on one invoice, more lines than one message item carries, a customer
/// with many users, the largest amounts). Every message Distribution and Synchronize return passes
/// its schema and decodes as its consumer decodes it, nothing is held back, and the channel store,
/// fed the messages in a shuffled order through the channel-updates handler, ends up holding
/// exactly what HQ holds.
@Suite("What HQ sends, its consumers accept")
struct WhatHQSendsTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!
    let now = Date(timeIntervalSince1970: Double(Self.today.daysSinceEpoch) * 86_400 + 43_200)
    let topology: Topology
    let check: FollowUpCheck

    init() throws {
        topology = try Topology.load(from: repositoryTopology)
        check = FollowUpCheck(topology: topology)
    }

    /// Exactly `length` code points drawn from Dutch diacritics, other scripts, emoji and the
    /// characters JSON and HTML escape.
    static func text(_ length: Int, _ random: inout SeededRandom) -> String {
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", "ë", "ï", "é", "Ĳ", "ĳ", "ø", "ß", "日", "本", "Ω", "😀", "🇳", "🇱", " ", "-", "'", "\"", "<", "&", "\\", "/",
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(alphabet.randomElement(using: &random)!) }
        return String(scalars)
    }

    static func ascii(_ prefix: String, length: Int) -> String {
        prefix + String(repeating: "x", count: max(0, length - prefix.count))
    }

    /// How far one world goes: payments and lines on its large invoice, users of its large customer.
    struct Extremes: Sendable, CustomTestStringConvertible {
        var payments: Int
        var lines: Int
        var users: Int
        var testDescription: String { "\(payments) payments, \(lines) lines, \(users) users" }
    }

    static let worlds: [(seed: UInt64, extremes: Extremes)] = [
        (1, Extremes(payments: 5_000, lines: 1_001, users: 3)),
        (2, Extremes(payments: 1_000, lines: 1_000, users: 1_500)),
        (3, Extremes(payments: 1_001, lines: 0, users: 0)),
        (4, Extremes(payments: 0, lines: 2_600, users: 1)),
        (5, Extremes(payments: 2_345, lines: 17, users: 1_001)),
        (6, Extremes(payments: 1, lines: 1, users: 10)),
    ]

    /// A seeded HQ plus one customer, user, product and invoice at the limits, and copy requests.
    /// Returns the large invoice's number and its payments' ids.
    func build(_ hq: HQStore, seed: UInt64, _ extremes: Extremes) throws -> (invoice: String, payments: [String]) {
        try HQSeeder(store: hq, today: Self.today).seed(.init(customers: 6, invoices: 24, seed: seed))
        var random = SeededRandom(seed: seed)
        let largest: Int64 = 9_999_999_999_999_999  // 99,999,999,999,999.99 EUR: the most an amount may say
        return try hq.pool.write { db in
            let terms = try #require(try String.fetchOne(db, sql: "SELECT code FROM payment_terms LIMIT 1"))
            let account = Self.ascii("X\(seed)-", length: 64)
            try HQCustomer(
                account: account, name: Self.text(200, &random),
                email: Self.ascii("c\(seed)", length: 64) + "@" + Self.ascii("d", length: 180) + ".example",
                currency: .EUR, invoiceAccount: nil, allowOnAccount: true, creditLimitMinor: largest, paymentTerms: terms,
                changedAt: now
            ).insert(db)
            let logins = (0..<max(1, extremes.users)).map { Self.ascii("u\(seed)-\($0)-", length: 128) }
            for login in logins {
                try HQUser(
                    login: login, customerAccount: account, displayName: Self.text(200, &random),
                    email: Self.ascii(login.prefix(60).description, length: 64) + "@example.com"
                ).insert(db)
            }
            try HQProduct(
                sku: Self.ascii("S\(seed)-", length: 64), name: Self.text(200, &random), price: Money(minorUnits: largest, currency: .EUR),
                changedAt: now
            )
            .insert(db)
            let number = Self.ascii("INV-X\(seed)-", length: 128)
            try HQInvoice(
                number: number, customerAccount: account, invoiceDate: Self.today, dueDate: Self.today,
                discountLastDay: Self.today, discountMinor: largest / 50, currency: .EUR, totalMinor: largest,
                settledMinor: Int64(extremes.payments), changedAt: now
            ).insert(db)
            for line in 0..<extremes.lines {
                let amount = line % 3 == 0 ? largest : Int64.random(in: -largest...largest, using: &random)
                try HQInvoiceLine(invoiceNumber: number, lineNo: line + 1, description: Self.text(1000, &random), amountMinor: amount)
                    .insert(db)
            }
            var payments: [String] = []
            for index in 0..<extremes.payments {
                let id = Self.ascii("pay-\(seed)-\(index)-", length: 128)
                payments.append(id)
                try PaymentJournalLine(
                    channelPaymentId: id, customerAccount: account, invoiceNumber: number,
                    amount: Money(minorUnits: 1, currency: .EUR), paidOn: Self.today, tender: "on-account", uploadedAt: now
                ).insert(db)
                let journalLine = db.lastInsertedRowID
                if index % 7 == 3 {
                    try PaymentJournalLine.markFailed(db, id: journalLine, reason: Self.text(1000, &random))
                } else {
                    try PaymentJournalLine.markPosted(db, id: journalLine, at: now)
                    try HQSettlement(
                        journalLineId: journalLine, invoiceNumber: number, settled: Money(minorUnits: 1, currency: .EUR),
                        discount: Money(minorUnits: 0, currency: .EUR), unapplied: Money(minorUnits: 0, currency: .EUR),
                        settledOn: Self.today
                    ).insert(db)
                }
            }
            // Copy requests: the large invoice by the large customer's first user, and a seeded one.
            try HQChannelRequest(
                requestId: Self.ascii("req-\(seed)-", length: 128), type: "invoice-copy", userLogin: logins[0], invoiceNumber: number,
                customerAccount: account, receivedAt: now
            ).insert(db)
            return (number, payments)
        }
    }

    func decode(_ message: OutgoingMessage) throws -> IncomingMessage {
        let decoded = try DecodedEnvelope.decode(message.body, bodyTypes: .remit)
        guard case .decoded(let body) = decoded.body else {
            Issue.record("\(message.type) did not decode")
            throw CancellationError()
        }
        return IncomingMessage(header: decoded.header, body: body, attempt: 1, receivedAt: now)
    }

    func jobContext(_ type: String, _ id: String) -> JobContext {
        JobContext(header: header(type, id: id), now: now, followUpCheck: check)
    }

    func header(_ type: String, id: String) -> EnvelopeHeader {
        EnvelopeHeader(
            type: type, version: 1, id: id, correlationId: id, causationId: nil, occurredAt: now, actingUser: "system:test")
    }

    @Test(arguments: worlds.map(\.seed))
    func distributionAndSynchronizeSendOnlyWhatTheirConsumersAcceptAndTheChannelGetsItAll(_ seed: UInt64) async throws {
        let extremes = try #require(Self.worlds.first { $0.seed == seed }).extremes
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            let channel = try directory.channel
            let (invoice, payments) = try build(hq, seed: seed, extremes)
            var random = SeededRandom(seed: seed &* 7_919)
            let chunkSize = Int.random(in: 1...500, using: &random)
            let maximumWeight = Int.random(in: 1...5_000, using: &random)
            let synchronize = try await hq.writeHQ {
                try SynchronizeJob().run($0, context: self.jobContext(SynchronizeRun.messageType, "sync-\(seed)"))
            }
            // Runs bounded by a small weight, so the world goes in several: the large invoice ends a run
            // early, or is one alone; each run that stopped starts the next, and the chain ends once
            // all is sent.
            let runWeight = Int.random(in: 1...60, using: &random)
            let job = DistributionJob(chunkSize: chunkSize, runWeight: runWeight, maximumWeight: maximumWeight)
            var distribution = JobResult()
            var runs = 0
            var continued = true
            while continued && runs < 100 {
                let context = jobContext(DistributionRun.messageType, "distribution-\(seed)-\(runs)")
                let part = try await hq.writeHQ { try job.run($0, context: context) }
                runs += 1
                let continuations = part.followUps.filter { $0.type == DistributionRun.messageType }
                continued = part.counts[DistributionJob.continued] != nil
                #expect(continuations.count == (continued ? 1 : 0), "a run continues exactly when it says so")
                distribution.held += part.held
                distribution.followUps += part.followUps.filter { $0.type != DistributionRun.messageType }
            }
            #expect(!continued && runs > 1, "the chain ended (run weight \(runWeight), \(runs) runs)")
            #expect(distribution.held.isEmpty, "nothing within the contract is held back: \(distribution.held.map(\.reason))")
            #expect(synchronize.counts["requests-failed"] == nil, "\(synchronize.counts)")
            let messages = synchronize.followUps + distribution.followUps
            for message in messages {
                #expect(check.problems(of: message) == [], "\(message.type) \(message.messageId)")
            }

            // The e-mail carries every line of the large invoice.
            let emails = try synchronize.followUps.map { try decode($0).body as! EmailSend }
            let copy = try #require(emails.first { $0.invoice.number == invoice })
            #expect(copy.invoice.lines.count == extremes.lines)

            // The channel, fed the messages in a shuffled order, holds what HQ holds.
            _ = try await channel.pool.write { db in
                for payment in payments {
                    try ChannelTransaction(
                        id: payment, kind: .invoicePayment, customerAccount: "any", userLogin: "any", invoiceNumber: invoice,
                        amount: Money(minorUnits: 1, currency: .EUR), tender: "on-account", createdAt: self.now
                    ).record(db)
                }
            }
            let handler = ChannelUpdates.handler
            for message in distribution.followUps.shuffled(using: &random) {
                let incoming = try decode(message)
                let context = HandlerContext(logger: Logger(label: "test"), now: now, attempt: 1, header: incoming.header)
                _ = try await channel.write { try handler.handle(incoming, context: context, in: $0) }
            }
            try await expectChannelHoldsWhatHQHolds(hq: hq, channel: channel, invoice: invoice)
            let pending = try await channel.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM channel_transaction WHERE hq_state IS NULL") ?? -1
            }
            #expect(pending == 0, "every payment's outcome reached the channel")
        }
    }

    /// Collection letters at the extremes: the longest names, account, address and invoice number,
    /// the invoice of thousands of lines, every account due a letter at once and runs of at most a
    /// few letters. Every letter passes e-mail dispatch's check and decodes; none is left unsent; the
    /// chain of runs ends; each invoice gets its level once and the large invoice goes with every line.
    @Test(arguments: worlds.map(\.seed))
    func collectionLettersSendOnlyWhatEmailDispatchAccepts(_ seed: UInt64) async throws {
        let extremes = try #require(Self.worlds.first { $0.seed == seed }).extremes
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            let (invoice, _) = try build(hq, seed: seed, extremes)
            var random = SeededRandom(seed: seed &* 31)
            // An address far past what a document carries, with control characters and every script.
            let address = (0..<12).map { _ in Self.text(300, &random) + "\u{7}" }.joined(separator: "\r\n")
            try await hq.pool.write { db in try db.execute(sql: "UPDATE customer SET address = ?", arguments: [address]) }
            let job = CollectionLettersJob(maximumLetters: Int.random(in: 1...4, using: &random))
            let later = now.addingTimeInterval(60 * 86_400)
            var letters: [EmailLetter] = []
            var runs = 0
            var continued = true
            while continued && runs < 200 {
                var due = jobContext(CollectionLettersRun.messageType, "letters-\(seed)-\(runs)")
                due.now = later
                let context = due
                let part = try await hq.writeHQ { try job.run($0, context: context) }
                runs += 1
                continued = part.counts[DistributionJob.continued] != nil
                #expect(part.unsent.isEmpty, "\(part.unsent)")
                #expect(part.followUps.filter { $0.type == CollectionLettersRun.messageType }.count == (continued ? 1 : 0))
                for message in part.followUps where message.type == EmailLetter.messageType {
                    #expect(check.problems(of: message) == [], "\(message.messageId)")
                    letters.append(try #require(try decode(message).body as? EmailLetter))
                }
            }
            #expect(!continued && runs > 1, "the chain of runs ended (\(runs) runs)")
            let listed = letters.flatMap { letter in letter.invoices.map { "\($0.number)|\(letter.level)" } }
            #expect(!listed.isEmpty && Set(listed).count == listed.count, "each invoice's level once")
            let large = try #require(letters.flatMap(\.invoices).first { $0.number == invoice })
            #expect(large.lines.count == extremes.lines)
            #expect(large.customerAddress?.count == InvoiceDocument.maximumAddressLines)
            #expect(large.customerAddress?.allSatisfy { $0.count <= 120 && !$0.contains("\u{7}") } == true)
            let recorded = try await hq.readHQ { try $0.collection.letters(account: nil, limit: 100_000) }
            #expect(recorded.count == letters.count)
        }
    }

    func expectChannelHoldsWhatHQHolds(hq: HQStore, channel: ChannelStore, invoice: String) async throws {
        let hqInvoices = try await hq.pool.read {
            try String.fetchAll($0, sql: "SELECT number || '|' || settled_minor FROM invoice ORDER BY number")
        }
        let channelInvoices = try await channel.pool.read {
            try String.fetchAll($0, sql: "SELECT number || '|' || settled_minor FROM channel_invoice ORDER BY number")
        }
        #expect(channelInvoices == hqInvoices)
        let hqLines = try await hq.pool.read {
            try String.fetchAll(
                $0,
                sql:
                    "SELECT invoice_number || '|' || line_no || '|' || description || '|' || amount_minor FROM invoice_line ORDER BY invoice_number, line_no"
            )
        }
        let channelLines = try await channel.pool.read {
            try String.fetchAll(
                $0,
                sql:
                    "SELECT invoice_number || '|' || line_no || '|' || description || '|' || amount_minor FROM channel_invoice_line ORDER BY invoice_number, line_no"
            )
        }
        #expect(channelLines.count == hqLines.count)
        #expect(channelLines == hqLines, "every line, in its place")
        let hqSettlements = try await hq.pool.read {
            try String.fetchAll(
                $0,
                sql: """
                    SELECT s.invoice_number || '|' || j.channel_payment_id FROM settlement s
                    JOIN payment_journal_line j ON j.id = s.journal_line_id ORDER BY s.invoice_number, s.id
                    """)
        }
        let channelSettlements = try await channel.pool.read {
            try String.fetchAll(
                $0, sql: "SELECT invoice_number || '|' || payment_id FROM channel_settlement ORDER BY invoice_number, position")
        }
        #expect(channelSettlements == hqSettlements, "every settlement, in order")
        let hqUsers = try await hq.pool.read { try String.fetchAll($0, sql: "SELECT login FROM b2b_user ORDER BY login") }
        let channelUsers = try await channel.pool.read { try String.fetchAll($0, sql: "SELECT login FROM channel_user ORDER BY login") }
        #expect(channelUsers == hqUsers)
    }

    @Test func aRecordTheChannelWouldRefuseIsHeldNamedEveryRunAndSentOnceItFits() async throws {
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            try HQSeeder(store: hq, today: Self.today).seed(.init(customers: 8, invoices: 30, seed: 4))
            // Values HQ holds that the channel's contract does not allow: a name of 201 characters and
            // a line of 1,001; each record beside them must still go out.
            let (account, number) = try await hq.pool.write { db -> (String, String) in
                let account = try #require(try String.fetchOne(db, sql: "SELECT account FROM customer ORDER BY account LIMIT 1"))
                let number = try #require(try String.fetchOne(db, sql: "SELECT number FROM invoice ORDER BY number LIMIT 1 OFFSET 3"))
                try db.execute(
                    sql: "UPDATE customer SET name = ? WHERE account = ?", arguments: [String(repeating: "ë", count: 201), account])
                try db.execute(
                    sql: "UPDATE invoice_line SET description = ? WHERE invoice_number = ? AND line_no = 1",
                    arguments: [String(repeating: "l", count: 1_001), number])
                return (account, number)
            }
            let (customers, invoices) = try await hq.pool.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM customer") ?? 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM invoice") ?? 0
                )
            }
            let handler = HQJobHandler(job: DistributionJob(chunkSize: 4), worker: "test")
            func run(_ id: String) async throws -> (JobRun, [OutgoingMessage]) {
                let envelope = Envelope(
                    id: id, correlationId: id, causationId: nil, occurredAt: now, actingUser: "system:test",
                    body: DistributionRun(requestedBy: "test"))
                let context = HandlerContext(
                    logger: Logger(label: "test"), now: now, attempt: 1, header: envelope.header, followUpCheck: check)
                let followUps = try await hq.write { try handler.handle(envelope, context: context, in: $0) }
                let run = try #require(try await hq.pool.read { try JobRun.find($0, runId: id) })
                return (run, followUps)
            }
            func sent(_ followUps: [OutgoingMessage]) throws -> (customers: [String], invoices: [String]) {
                var customers: [String] = []
                var invoices: [String] = []
                for message in followUps {
                    #expect(check.problems(of: message).isEmpty)
                    let body = try decode(message).body
                    if let changed = body as? CustomersChanged { customers += changed.customers.map(\.account) }
                    if let changed = body as? InvoicesChanged { invoices += changed.invoices.map(\.number) }
                }
                return (customers, invoices)
            }

            let (first, firstMessages) = try await run("run-1")
            #expect(first.status == .succeeded)
            let error = try #require(first.error, "the run names what it held back")
            #expect(
                error.contains("held back 2") && error.contains("customers \(account)") && error.contains("invoices \(number)"), "\(error)")
            let firstSent = try sent(firstMessages)
            #expect(firstSent.customers.count == customers - 1 && !firstSent.customers.contains(account), "every other customer went out")
            #expect(firstSent.invoices.count == invoices - 1 && !firstSent.invoices.contains(number), "every other invoice went out")

            // Nothing changed in HQ: the held records are named again, nothing else is sent.
            let (second, secondMessages) = try await run("run-2")
            #expect(second.error?.contains("held back 2") == true, "\(second.error ?? "")")
            #expect(try sent(secondMessages).customers.isEmpty && sent(secondMessages).invoices.isEmpty)

            // Fixed in HQ (without touching changed_at, so only the hold brings them back): sent, released.
            try await hq.pool.write { db in
                try db.execute(sql: "UPDATE customer SET name = 'Fixed' WHERE account = ?", arguments: [account])
                try db.execute(sql: "UPDATE invoice_line SET description = 'Fixed' WHERE invoice_number = ?", arguments: [number])
            }
            let (third, thirdMessages) = try await run("run-3")
            #expect(third.error == nil)
            #expect(try sent(thirdMessages) == ([account], [number]))
            #expect(try await hq.pool.read { try DistributionHold.all($0) }.isEmpty)
        }
    }

    /// A run carries at most its limit of invoices and, when it stopped there, starts the next run
    /// itself; the chain ends with the run that finds less than the limit, here one that finds none.
    @Test func aDistributionRunAtItsLimitStartsTheNextAndTheChainEndsWhenAllIsSent() async throws {
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            try HQSeeder(store: hq, today: Self.today).seed(.init(customers: 4, invoices: 20, seed: 9))
            let handler = HQJobHandler(job: DistributionJob(chunkSize: 4, invoiceLimit: 10), worker: "test")
            var runId = "run-1"
            var runs: [(counts: String?, invoices: [String])] = []
            while runs.count < 5 {
                let envelope = Envelope(
                    id: runId, correlationId: "run-1", causationId: nil, occurredAt: now, actingUser: "system:test",
                    body: DistributionRun(requestedBy: "test"))
                let context = HandlerContext(
                    logger: Logger(label: "test"), now: now, attempt: 1, header: envelope.header, followUpCheck: check)
                let followUps = try await hq.write { try handler.handle(envelope, context: context, in: $0) }
                var invoices: [String] = []
                var next: [IncomingMessage] = []
                for message in followUps {
                    #expect(check.problems(of: message).isEmpty, "\(message.type)")
                    let incoming = try decode(message)
                    if let changed = incoming.body as? InvoicesChanged { invoices += changed.invoices.map(\.number) }
                    if incoming.body is DistributionRun { next.append(incoming) }
                }
                let id = runId
                let found = try await hq.pool.read { try JobRun.find($0, runId: id) }
                let record = try #require(found)
                #expect(record.status == .succeeded)
                runs.append((record.counts, invoices))
                guard let continuation = next.first else { break }
                #expect(next.count == 1 && continuation.header.actingUser == "system:hq")
                #expect(continuation.header.causationId == runId && continuation.header.id != runId)
                runId = continuation.header.id
            }
            #expect(runs.map(\.invoices.count) == [10, 10, 0], "two full runs, then one that finds nothing and ends the chain")
            #expect(runs[0].counts?.contains("continued=1") == true && runs[1].counts?.contains("continued=1") == true)
            #expect(runs[2].counts?.contains("continued") != true)
            let all = runs.flatMap(\.invoices)
            #expect(Set(all).count == 20 && all.count == 20, "every invoice exactly once")
        }
    }

    @Test func everyJobRunMessageIsOneItsWorkerAccepts() throws {
        var rng = SeededRandom(seed: 5)
        // Who starts runs: the scheduler, the CLI, and the longest acting user the envelope allows.
        let starters = ["system:scheduler", "system:cli", "user:" + Self.text(195, &rng)]
        for job in HQJobs.all {
            for requestedBy in starters {
                let message = try job.runMessage(requestedBy: requestedBy, at: now)
                #expect(check.problems(of: message) == [], "\(job.name) started by \(requestedBy.prefix(20))")
            }
        }
    }

    /// A job that writes to HQ, then returns a message its consumer would refuse.
    struct SendsAnUnsendableEmail: HQJob {
        typealias Run = SynchronizeRun
        func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult {
            // SQL of its own, past the seam: whatever a job writes must roll back with its run.
            try (hq as! SQLiteTransaction).db.execute(sql: "UPDATE customer SET name = 'written by the failing run'")
            var result = JobResult()
            var message = try OutgoingMessage(
                context.header.followUp(
                    SmokeRecord(key: "k", amount: Money(minorUnits: 1, currency: .EUR)), key: "x", occurredAt: context.now))
            message.type = EmailSend.messageType  // a smoke body published as an e-mail
            result.followUps = [message]
            return result
        }
    }

    @Test func aJobRunThatWouldSendWhatItsConsumerRefusesFailsAndCommitsNothingOfItsOwn() async throws {
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            try HQSeeder(store: hq, today: Self.today).seed(.init(customers: 2, invoices: 2, seed: 1))
            let handler = HQJobHandler(job: SendsAnUnsendableEmail(), worker: "test")
            let envelope = Envelope(
                id: "bad-run", correlationId: "bad-run", causationId: nil, occurredAt: now, actingUser: "system:test",
                body: SynchronizeRun(requestedBy: "test"))
            let context = HandlerContext(logger: Logger(label: "test"), now: now, attempt: 1, header: envelope.header, followUpCheck: check)
            let followUps = try await hq.write { try handler.handle(envelope, context: context, in: $0) }
            #expect(followUps.isEmpty, "nothing is sent")
            let run = try #require(try await hq.pool.read { try JobRun.find($0, runId: "bad-run") })
            #expect(run.status == .failed)
            #expect(run.error?.contains("refused to send email.send") == true, "\(run.error ?? "")")
            let written = try await hq.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM customer WHERE name = 'written by the failing run'")
            }
            #expect(written == 0, "the run's own writes were rolled back")
        }
    }
}
