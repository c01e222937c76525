import Foundation
import GRDB
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitTestSupport
import RemitWorkers
import Testing

/// Collection letters from HQ's job through e-mail dispatch to a real SMTP server process
/// (aiosmtpd), on the injected clock: a year of days through a seeded shop, and what the send checks.
@Suite("Collection letters", .serialized)
struct CollectionLetterTests {
    static func with(
        customers: Int = 12, invoices: Int = 40, _ body: (HQWorld, TestSMTPServer) async throws -> Void
    ) async throws {
        try await TestSMTPServer.with { server in
            let smtp = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)?starttls=off&timeout=10")
            let mail = MailSettings(
                transport: SMTPTransport(configuration: smtp, logger: testLogger),
                from: try MailAddress("billing@shop.example", name: "Shop Billing"))
            try await HQWorld.with(
                customers: customers, invoices: invoices, storefront: ["email-dispatch"], mail: mail
            ) { world in
                try await body(world, server)
            }
        }
    }

    /// A letter as compared: whose, which level, which day, which invoices.
    struct Letter: Hashable, CustomStringConvertible {
        var account: String
        var level: Int
        var day: CalendarDate
        var invoices: Set<String>
        var description: String { "\(day) \(account) level \(level): \(invoices.sorted().joined(separator: ","))" }
    }

    /// What the standard policy says, written from its levels' dates rather than by day: for each
    /// invoice open on `start`, the highest due-date level already reached on `start`, then each
    /// later level on its own day while the invoice is open, and the cash-discount notice on its
    /// day (or `start`, if that is later) while the discount stands and no due-date letter came first.
    static func expectedLetters(
        _ invoices: [HQInvoice], optedOut: Set<String>, paidOn: [String: CalendarDate], start: CalendarDate, days: Int
    ) -> Set<Letter> {
        let policy = CollectionPolicy.standard
        let dueLevels = policy.levels.filter { $0.anchor == .due }
        let notice = policy.levels.first { $0.anchor == .discount }
        var byKey: [String: Letter] = [:]
        func add(_ invoice: HQInvoice, _ level: Int, _ day: CalendarDate) {
            let key = "\(invoice.customerAccount)|\(level)|\(day)"
            byKey[key, default: Letter(account: invoice.customerAccount, level: level, day: day, invoices: [])].invoices.insert(
                invoice.number)
        }
        for invoice in invoices where !optedOut.contains(invoice.customerAccount) {
            guard invoice.totalMinor - invoice.settledMinor - invoice.discountTakenMinor > 0 else { continue }
            let lastOpenDay = paidOn[invoice.number].map { $0.adding(days: -1) } ?? start.adding(days: days - 1)
            var firstDueLetter: CalendarDate?
            if let top = dueLevels.last(where: { invoice.dueDate.adding(days: $0.days) <= start }), start <= lastOpenDay {
                add(invoice, top.level, start)
                firstDueLetter = start
            }
            for level in dueLevels {
                let day = invoice.dueDate.adding(days: level.days)
                guard day > start, day <= lastOpenDay else { continue }
                add(invoice, level.level, day)
                firstDueLetter = min(firstDueLetter ?? day, day)
            }
            if let notice, let lastDay = invoice.discountLastDay, invoice.discountMinor > 0, invoice.discountTakenMinor == 0 {
                let day = max(lastDay.adding(days: notice.days), start)
                if day <= lastDay, day <= lastOpenDay, firstDueLetter.map({ $0 > day }) ?? true { add(invoice, notice.level, day) }
            }
        }
        return Set(byKey.values)
    }

    func issuedLetters(_ world: HQWorld) async throws -> [HQCollectionLetter] {
        try await world.hq.readHQ { try $0.collection.letters(account: nil, limit: 100_000) }
    }

    @Test func aYearOfDaysSendsExactlyTheLettersThePolicySaysOnceEachAndNoneForPaidOrOptedOutInvoices() async throws {
        try await Self.with { world, server in
            let start = HQWorld.today
            let days = 365
            let invoices = try await world.hq.pool.read { try HQInvoice.order(Column("number")).fetchAll($0) }
            let open = invoices.filter { $0.totalMinor - $0.settledMinor - $0.discountTakenMinor > 0 }
            // One account opts out; one invoice of another is paid in full on day 50, before it is due
            // its last letter.
            let optedOut = try #require(open.first?.customerAccount)
            let paid = try #require(
                open.first { $0.customerAccount != optedOut && $0.dueDate.adding(days: 35) > start.adding(days: 50) })
            let payDay = start.adding(days: 50)
            // And one more is covered on day 30 by a payment HQ received and has not posted (it never
            // posts here: no synchronization runs), which counts as paid for the letters.
            let covered = try #require(
                open.first {
                    $0.customerAccount != optedOut && $0.number != paid.number && $0.dueDate.adding(days: 35) > start.adding(days: 30)
                        && $0.dueDate.adding(days: -3) < start.adding(days: 30)
                })
            let coverDay = start.adding(days: 30)
            try await world.hq.writeHQ { try $0.collection.setPolicy(account: optedOut, code: "none") }
            for day in 0..<days {
                if day > 0 { world.clock.advance(by: 86_400) }
                if day == 50 {
                    try await world.hq.writeHQ { hq in
                        try hq.invoices.settle(
                            number: paid.number, settledMinor: paid.totalMinor - paid.discountTakenMinor,
                            discountTakenMinor: paid.discountTakenMinor, at: world.clock.now())
                    }
                }
                if day == 30 {
                    try await world.hq.pool.write { db in
                        try PaymentJournalLine(
                            channelPaymentId: "pay-covering", customerAccount: covered.customerAccount, invoiceNumber: covered.number,
                            amount: Money(minorUnits: covered.totalMinor - covered.settledMinor, currency: covered.currency),
                            paidOn: coverDay, tender: "card", uploadedAt: world.clock.now()
                        ).insert(db)
                    }
                }
                let run = try await world.run("Collection letters")
                #expect(run.status == .succeeded, "day \(day): \(run.error ?? "")")
            }
            let issued = try await issuedLetters(world)
            let actual = Set(
                Dictionary(grouping: issued) { "\($0.customerAccount)|\($0.level)|\($0.issuedOn)" }.values.map { parts in
                    Letter(
                        account: parts[0].customerAccount, level: parts[0].level, day: parts[0].issuedOn,
                        invoices: Set(parts.flatMap(\.invoiceNumbers)))
                })
            let expected = Self.expectedLetters(
                invoices, optedOut: [optedOut], paidOn: [paid.number: payDay, covered.number: coverDay], start: start, days: days)
            #expect(
                actual == expected,
                "missing: \(expected.subtracting(actual).sorted { $0.description < $1.description }); unexpected: \(actual.subtracting(expected).sorted { $0.description < $1.description })"
            )
            // The world is not trivial: every reminder level went out, and the paid invoice had letters before its payment.
            #expect(Set(expected.map(\.level)).isSuperset(of: [1, 2, 3, 4]), "\(expected.count) letters")
            #expect(expected.contains { $0.invoices.contains(paid.number) } && expected.contains { $0.invoices.contains(covered.number) })
            #expect(!issued.contains { $0.invoiceNumbers.contains(covered.number) && $0.issuedOn >= coverDay })
            #expect(!issued.contains { $0.customerAccount == optedOut })
            #expect(!issued.contains { $0.invoiceNumbers.contains(paid.number) && $0.issuedOn >= payDay })
            // Each level once per invoice.
            let pairs = issued.flatMap { letter in letter.invoiceNumbers.map { "\($0)|\(letter.level)" } }
            #expect(Set(pairs).count == pairs.count)

            // Every letter reached the mail server once, to its account's address, with its invoices attached.
            try await expectEventually("every letter is sent", timeout: .seconds(120)) {
                try await world.channel.pool.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM email_ledger WHERE status = 'sent'") == issued.count
                }
            }
            let mails = try server.receivedMessages().map { try ParsedMail.parse($0) }
            #expect(mails.count == issued.count)
            let customers = try await world.hq.pool.read { try HQCustomer.fetchAll($0) }
            let emails = Dictionary(uniqueKeysWithValues: customers.map { ($0.account, $0.email) })
            let expectedMails = issued.map { letter in
                "\(emails[letter.customerAccount] ?? "?")|\(letter.title)|\(letter.invoiceNumbers.sorted().map { "invoice-\($0).pdf" }.joined(separator: ","))"
            }.sorted()
            let receivedMails = mails.map { mail in
                let title = CollectionPolicy.standard.levels.map(\.title).first { mail.subject.hasPrefix($0 + ":") } ?? mail.subject
                let files = mail.parts.compactMap(\.filename).sorted().joined(separator: ",")
                return
                    "\(mail.to.replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "").split(separator: " ").last.map(String.init) ?? mail.to)|\(title)|\(files)"
            }.sorted()
            #expect(receivedMails == expectedMails)
        }
    }

    /// The test shop's letters a week after its invoices fell due: T-CASH opted out, T-ORG-1 covered
    /// by a payment the channel took after HQ issued the letter (the whole letter is not sent), and
    /// T-SOLO-BIG covered too (T-SOLO's letter lists T-SOLO-1 alone). A redelivery, a replay under
    /// a new id and another run that day send nothing more.
    @Test func theSendChecksWhatWasPaidSinceAndNothingIsSentTwice() async throws {
        try await Self.with(customers: 1, invoices: 0) { world, server in
            try await Shop.add(to: world)
            try await world.hq.writeHQ { try $0.collection.setPolicy(account: "T-CASH", code: "none") }
            // T-MEM's address in HQ reaches the channel with distribution, and its letter's PDFs.
            world.clock.advance(by: 60)
            let address = "Havenstraat 7\n3011 AB Rotterdam\nNetherlands"
            try await world.hq.pool.write { db in
                try db.execute(
                    sql: "UPDATE customer SET address = ?, changed_at = ? WHERE account = 'T-MEM'",
                    arguments: [address, Timestamp.format(world.clock.now())])
            }
            try await world.distribute(until: "the channel has T-MEM's address") { db in
                try String.fetchOne(db, sql: "SELECT address FROM channel_customer WHERE account = 'T-MEM'") == address
            }
            // Due on today + 25: the first reminder is due a week later.
            world.clock.advance(by: 32 * 86_400)
            // Payments the channel took that HQ has not seen (no P-0001 since): HQ still issues the letters.
            for (id, invoice, account, amount) in [("pay-org", "T-ORG-1", "T-ORG", 100_000), ("pay-big", "T-SOLO-BIG", "T-SOLO", 45_000)]
                as [(String, String, String, Int64)]
            {
                try await world.record(
                    ChannelTransaction(
                        id: id, kind: .invoicePayment, customerAccount: account, userLogin: "solo", invoiceNumber: invoice,
                        amount: Shop.euros(amount), tender: Tender.card.rawValue, createdAt: world.clock.now()))
            }
            let run = try await world.run("Collection letters")
            #expect(run.status == .succeeded)
            let issued = try await issuedLetters(world)
            #expect(
                Set(issued.map { "\($0.customerAccount):\($0.title):\($0.invoiceNumbers.joined(separator: ","))" }) == [
                    "T-ORG:First reminder:T-ORG-1", "T-MEM:First reminder:T-MEM-1,T-MEM-DISC",
                    "T-SOLO:First reminder:T-SOLO-1,T-SOLO-BIG",
                ])
            let ids = Dictionary(uniqueKeysWithValues: issued.map { ($0.customerAccount, $0.letterId) })
            func ledger(_ account: String) async throws -> EmailLedgerEntry? {
                let id = try #require(ids[account])
                return try await world.channel.pool.read { try EmailLedgerEntry.find($0, requestId: id) }
            }
            try await expectEventually("every letter's send is decided") {
                var done = 0
                for account in ["T-ORG", "T-MEM", "T-SOLO"] where [.sent, .skipped].contains(try await ledger(account)?.status) {
                    done += 1
                }
                return done == 3
            }
            #expect(try await ledger("T-ORG")?.status == .skipped)
            #expect(try await ledger("T-ORG")?.detail?.contains("paid or covered") == true)
            let mails = try server.receivedMessages().map { try ParsedMail.parse($0) }
            #expect(mails.count == 2)
            let solo = try #require(mails.first { $0.to.contains("t-solo@shop.example") })
            #expect(solo.subject == "First reminder: invoice T-SOLO-1 for Customer T-SOLO")
            #expect(solo.parts.compactMap(\.filename) == ["invoice-T-SOLO-1.pdf"])
            #expect(solo.parts.allSatisfy { !$0.content.contains("T-SOLO-BIG") }, "the covered invoice is left out")
            let mem = try #require(mails.first { $0.to.contains("t-mem@shop.example") })
            #expect(mem.subject == "First reminder: 2 invoices for Customer T-MEM")
            #expect(mem.defects.isEmpty && mem.parts.map(\.type) == ["text/plain", "text/html", "application/pdf", "application/pdf"])
            let text = try #require(mem.parts.first).content
            #expect(text.contains("Invoice T-MEM-1, dated 2026-11-24, due 2026-12-24 (7 days overdue): open 200.00 EUR"), "\(text)")
            #expect(text.contains("Invoice T-MEM-DISC") && !text.contains("cash discount of"), "the discount's last day has passed")
            for part in mem.parts where part.type == "application/pdf" {
                let bytes = [UInt8](try #require(part.bytes))
                #expect(try PDFReader.check(bytes).sound)
                let pdf = try PDFReader.text(bytes)
                #expect(pdf.contains("Invoice \(part.filename?.dropFirst(8).dropLast(4) ?? "")"))
                #expect(pdf.contains("Havenstraat 7") && pdf.contains("3011 AB Rotterdam"), "\(pdf)")
            }
            // The buyer sees the letters sent, with the invoices they listed; not the one skipped.
            let sent = try await world.channel.readChannel { try $0.buyerViews.letters(accounts: ["T-MEM", "T-ORG", "T-SOLO"], limit: 10) }
            #expect(
                Set(sent.map { "\($0.customerAccount):\($0.invoiceNumbers.joined(separator: ","))" }) == [
                    "T-MEM:T-MEM-1,T-MEM-DISC", "T-SOLO:T-SOLO-1",
                ])
            // A redelivery of T-MEM's letter, and a replay of it under a new id, send nothing more.
            let published = try await world.hq.pool.read { db in
                try Data.fetchAll(db, sql: "SELECT body FROM inbox_follow_up WHERE type = 'email.letter'")
            }
            #expect(published.count == 3)
            let original = try #require(
                try published.first {
                    try MessageCoding.decoder().decode(Envelope<EmailLetter>.self, from: $0).body.customerAccount == "T-MEM"
                })
            var envelope = try MessageCoding.decoder().decode(Envelope<EmailLetter>.self, from: original)
            let topology = world.broker.topology
            let redelivery = OutgoingMessage(
                type: envelope.type, messageId: envelope.id, correlationId: envelope.correlationId, body: original)
            envelope.id = "replayed-under-a-new-id"
            let replay = try OutgoingMessage(envelope)
            let applied = try await world.channel.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE consumer = 'email-dispatch'") ?? 0
            }
            try await world.broker.withConnection { connection in
                try await connection.publish([redelivery.outbound(on: topology, at: Date()), replay.outbound(on: topology, at: Date())])
            }
            try await expectEventually("the replay was applied (the redelivery is a duplicate)") {
                try await world.channel.pool.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE consumer = 'email-dispatch'") == applied + 1
                }
            }
            // Another run the same day and the next day find nothing new to send.
            #expect(try await world.run("Collection letters").status == .succeeded)
            world.clock.advance(by: 86_400)
            #expect(try await world.run("Collection letters").status == .succeeded)
            #expect(try await issuedLetters(world).count == 3)
            try await Task.sleep(for: .seconds(1))
            #expect(try server.receivedMessages().count == 2)
            #expect(try await ledger("T-MEM")?.attempts == 1)
        }
    }
}
