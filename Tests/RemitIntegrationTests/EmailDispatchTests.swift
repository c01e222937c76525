import Foundation
import GRDB
import RemitAMQP
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

/// The request-invoice flow to a real SMTP server process (aiosmtpd): request → submitted → P-0001
/// → sync → e-mail dispatch → the mail server → completed.
@Suite("Invoice e-mails through a real SMTP server", .serialized)
struct EmailDispatchTests {
    static let kinds = HQWorld.storefrontKinds + ["email-dispatch"]

    static func with(
        _ options: TestSMTPServer.Options = .init(), _ body: (HQWorld, TestSMTPServer) async throws -> Void
    ) async throws {
        try await TestSMTPServer.with(options) { server in
            let smtp = try SMTPConfiguration(url: "smtp://127.0.0.1:\(server.port)?starttls=off&timeout=10")
            let mail = MailSettings(
                transport: SMTPTransport(configuration: smtp, logger: testLogger),
                from: try MailAddress("billing@shop.example", name: "Shop Billing"))
            try await HQWorld.with(storefront: kinds, mail: mail) { world in
                try await Shop.add(to: world)
                try await body(world, server)
            }
        }
    }

    func requestStatus(_ world: HQWorld, _ requestId: String) async throws -> (B2BRequest.Status, String?)? {
        try await world.channel.pool.read { db in try B2BRequest.state(db, requestId: requestId).map { ($0.status, $0.detail) } }
    }

    /// A copy request by `mem` for T-MEM-DISC, uploaded and handed on by HQ; returns its id.
    func requestCopy(_ world: HQWorld, invoice: String = "T-MEM-DISC") async throws -> String {
        let outcome = try await world.command(InvoiceRequest(user: "mem", invoiceNumber: invoice), as: "user:mem")
        let requestId = try #require(outcome.requestId)
        #expect(try await requestStatus(world, requestId)?.0 == .submitted)
        try await world.runHQ("P-0001")
        // HQ records the run before the channel's marking commits.
        try await expectEventually("the request shows uploaded") { try await requestStatus(world, requestId)?.0 == .uploaded }
        try await world.runHQ("Synchronize orders and channel requests")
        return requestId
    }

    @Test func aRequestedCopyArrivesWithTheInvoiceInBothPartsAndTheRequestCompletes() async throws {
        try await Self.with { world, server in
            let requestId = try await requestCopy(world)
            try await expectEventually("the request is completed") { try await requestStatus(world, requestId)?.0 == .completed }
            let messages = try server.receivedMessages()
            #expect(messages.count == 1)
            let mail = try ParsedMail.parse(try #require(messages.first))
            #expect(mail.to.contains("mem@shop.example") && mail.from.contains("billing@shop.example"))
            #expect(mail.subject.contains("T-MEM-DISC"))
            #expect(mail.parts.map(\.type) == ["text/plain", "text/html", "application/pdf"])
            // The attachment survived the mail server: the invoice as a sound PDF.
            let pdf = try PDFReader.text([UInt8](try #require(mail.parts.last?.bytes)))
            for part in mail.parts.dropLast().map(\.content) + [pdf] {
                for expected in ["T-MEM-DISC", "2026-11-24", "2026-12-24", "100.00", "98.00", "2026-12-04"] {
                    #expect(part.contains(expected), "shows \(expected): \(part.prefix(300))")
                }
            }
            let text = try #require(mail.parts.first).content
            let html = try #require(mail.parts.first { $0.type == "text/html" }).content
            #expect(text.contains("Pallets <oak> & \"pine\""), "the text part keeps the line as it is")
            #expect(html.contains("Pallets &lt;oak&gt; &amp;") && !html.contains("<oak>"), "the HTML part escapes it")
            // Distribution's older "processing" does not set the completed request back.
            try await world.distribute(until: "distribution ran") { _ in true }
            try await world.runHQ("Distribution")
            #expect(try await requestStatus(world, requestId)?.0 == .completed)
            #expect(try await requestStatus(world, requestId)?.1?.contains("mem@shop.example") == true)
        }
    }

    /// Issue #22: on the day after the discount's last day (the injected clock's day) the e-mail
    /// offers no discount, as the portal offers none.
    @Test func aCopyRequestedAfterTheDiscountsLastDayOffersNoDiscount() async throws {
        try await Self.with { world, server in
            world.clock.advance(by: 6 * 86_400)
            let requestId = try await requestCopy(world)
            try await expectEventually("the request is completed") { try await requestStatus(world, requestId)?.0 == .completed }
            let mail = try ParsedMail.parse(try #require(try server.receivedMessages().first))
            // The text, the HTML and the attached PDF alike.
            let pdf = try PDFReader.text([UInt8](try #require(mail.parts.last?.bytes)))
            for content in mail.parts.dropLast().map(\.content) + [pdf] {
                #expect(content.contains("T-MEM-DISC") && content.contains("100.00"), "\(content.prefix(300))")
                #expect(!content.lowercased().contains("cash discount") && !content.contains("98.00"), "\(content)")
            }
        }
    }

    @Test func theMailServerDownPausesDispatchWithoutSpendingAttemptsThenDeliversExactlyOneEmail() async throws {
        try await Self.with { world, server in
            server.stop()
            let requestId = try await requestCopy(world)
            try await expectEventually("the send was attempted") {
                try await world.channel.pool.read { try EmailLedgerEntry.find($0, requestId: requestId)?.status } == .sending
            }
            // Down for longer than the first two retry tiers (1 s + 5 s) together.
            try await Task.sleep(for: .seconds(7))
            // The buyer sees it handed on and waiting for the mail server — without any Distribution run.
            let waiting = try await requestStatus(world, requestId)
            #expect(waiting?.0 == .processing, "\(String(describing: waiting))")
            #expect(waiting?.1 == "invoice copy handed to e-mail dispatch")
            #expect(try await world.broker.readyCount("remit.email.retry.1") == 0, "a server down is not the message's fault")
            try await server.start()
            try await expectEventually("the held e-mail is delivered and the request completes", timeout: .seconds(60)) {
                try await requestStatus(world, requestId)?.0 == .completed
            }
            #expect(try server.receivedMessages().count == 1)
            let attempts = try await world.channel.pool.read { try EmailLedgerEntry.find($0, requestId: requestId)?.attempts }
            #expect(attempts == 1, "no attempt was spent while the server was down")
        }
    }

    @Test func aTemporaryRefusalGoesThroughARetryTierAndDeliversExactlyOneEmail() async throws {
        try await Self.with(.init(deferDataCount: 1)) { world, server in
            let requestId = try await requestCopy(world)
            try await expectEventually("the retry delivers it and the request completes", timeout: .seconds(60)) {
                try await requestStatus(world, requestId)?.0 == .completed
            }
            #expect(try server.receivedMessages().count == 1)
            let attempts = try await world.channel.pool.read { try EmailLedgerEntry.find($0, requestId: requestId)?.attempts }
            #expect(attempts == 2, "the 451 spent one attempt")
        }
    }

    @Test func aPermanentRefusalFailsTheRequestWithTheServersReason() async throws {
        try await Self.with(.init(rejectRecipients: "mem@.*", rejectCode: 550)) { world, server in
            let requestId = try await requestCopy(world)
            try await expectEventually("the request failed") { try await requestStatus(world, requestId)?.0 == .failed }
            let detail = try await requestStatus(world, requestId)?.1
            #expect(detail?.contains("550") == true, "\(detail ?? "nil")")
            #expect(try server.receivedMessages().isEmpty)
            #expect(try await world.broker.readyCount("remit.email.dead") == 0, "a refusal is an outcome, not a dead letter")
        }
    }

    @Test func anUnusableRegisteredAddressFailsTheRequestWithTheReason() async throws {
        try await Self.with { world, server in
            try await world.hq.pool.write { try $0.execute(sql: "UPDATE b2b_user SET email = 'mem at shop' WHERE login = 'mem'") }
            let requestId = try await requestCopy(world)
            try await expectEventually("the request failed") { try await requestStatus(world, requestId)?.0 == .failed }
            #expect(try await requestStatus(world, requestId)?.1?.contains("address") == true)
            #expect(try server.receivedMessages().isEmpty)
        }
    }

    @Test func aRedeliveredOrReplayedEmailSendSendsNothingAgain() async throws {
        try await Self.with { world, server in
            let requestId = try await requestCopy(world)
            try await expectEventually("the request is completed") { try await requestStatus(world, requestId)?.0 == .completed }
            // The email.send as the sync job published it, from HQ's inbox.
            let original = try #require(
                try await world.hq.pool.read { db in
                    try Data.fetchOne(db, sql: "SELECT body FROM inbox_follow_up WHERE type = 'email.send' ORDER BY rowid DESC LIMIT 1")
                })
            var envelope = try MessageCoding.decoder().decode(Envelope<EmailSend>.self, from: original)
            let topology = world.broker.topology
            let replay = OutgoingMessage(type: envelope.type, messageId: envelope.id, correlationId: envelope.correlationId, body: original)
            envelope.id = "replayed-under-a-new-id"
            let renamed = try OutgoingMessage(envelope)
            try await world.broker.withConnection { connection in
                try await connection.publish([replay.outbound(on: topology, at: Date()), renamed.outbound(on: topology, at: Date())])
            }
            try await expectEventually("both were applied (the second under its own id)") {
                try await world.channel.pool.read { db in
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE consumer = 'email-dispatch'") == 2
                }
            }
            #expect(try server.receivedMessages().count == 1)
            let attempts = try await world.channel.pool.read { try EmailLedgerEntry.find($0, requestId: requestId)?.attempts }
            #expect(attempts == 1)
        }
    }
}
