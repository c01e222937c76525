import Foundation
import RemitTestSupport
import Logging
import RemitMail
import Testing

func transport(_ url: String, log: RecordingLogHandler = RecordingLogHandler()) throws -> SMTPTransport {
    SMTPTransport(configuration: try SMTPConfiguration(url: url), logger: log.logger)
}

/// Every test runs its own aiosmtpd process on its own port.
@Suite struct SMTPTransportTests {
    @Test func anAcceptedMessageArrivesWithBothPartsAndItsHeaders() async throws {
        try await TestSMTPServer.with { server in
            let message = try sampleMessage(subject: "Invoice 42", text: "Hello Anna,\n.a line starting with a dot\n")
            let delivery = try await transport("smtp://127.0.0.1:\(server.port)").send(message)
            #expect(delivery == .accepted(reply: "250 2.0.0 OK queued as 1"))
            let received = try server.receivedMessages()
            try #require(received.count == 1)
            let parsed = try ParsedMail.parse(received[0])
            #expect(parsed.to == "Anna <anna@customer.example>")
            #expect(parsed.from == "Remit Billing <billing@remit.example>")
            #expect(parsed.messageId == "<req-1@remit>")
            #expect(parsed.subject == "Invoice 42")
            #expect(parsed.parts.map(\.type) == ["text/plain", "text/html"])
            #expect(parsed.parts.first?.content == "Hello Anna,\n.a line starting with a dot\n", "dot-stuffing undone by the server")
        }
    }

    @Test func aRecipientRefusedAtRCPTIsRejectedWithTheServersText() async throws {
        try await TestSMTPServer.with(.init(rejectRecipients: "^anna@")) { server in
            let delivery = try await transport("smtp://127.0.0.1:\(server.port)").send(sampleMessage())
            guard case .rejected(let code, let reply) = delivery else {
                Issue.record("expected a rejection, got \(delivery)")
                return
            }
            #expect(code == 550)
            #expect(reply == "550 5.1.1 <anna@customer.example>: Recipient address rejected: User unknown")
            #expect(try server.receivedMessages().isEmpty)
        }
    }

    @Test func aTemporaryFailureAtDATAIsDeferredAndTheNextTrySucceeds() async throws {
        try await TestSMTPServer.with(.init(deferDataCount: 1)) { server in
            let smtp = try transport("smtp://127.0.0.1:\(server.port)")
            let first = try await smtp.send(sampleMessage())
            guard case .deferred(let reason) = first else {
                Issue.record("expected a deferral, got \(first)")
                return
            }
            #expect(reason.contains("451 4.3.0 Temporary local problem, try again later"), "\(reason)")
            #expect(try server.receivedMessages().isEmpty)
            #expect(try await smtp.send(sampleMessage()) == .accepted(reply: "250 2.0.0 OK queued as 1"))
            #expect(try server.receivedMessages().count == 1)
        }
    }

    @Test func aServerThatIsDownIsUnavailableUntilItIsBack() async throws {
        let server = try TestSMTPServer()
        try await server.start()
        server.stop()
        // Connection refused comes back at once; the timeout is there only to bound a hang.
        let smtp = try transport("smtp://127.0.0.1:\(server.port)?timeout=20")
        let whileDown = try await smtp.send(sampleMessage())
        guard case .unavailable(let reason) = whileDown else {
            Issue.record("expected the server unavailable, got \(whileDown)")
            return
        }
        #expect(reason.contains("onnect"), "\(reason)")
        try await server.start()
        defer { server.stop() }
        #expect(try await smtp.send(sampleMessage()) == .accepted(reply: "250 2.0.0 OK queued as 1"))
    }

    @Test func correctCredentialsAreAccepted() async throws {
        try await TestSMTPServer.with(.init(credentials: ("shop", "p@ss:w0rd/hunter2"))) { server in
            let url = "smtp://shop:p%40ss%3Aw0rd%2Fhunter2@127.0.0.1:\(server.port)?starttls=off"
            let delivery = try await transport(url).send(sampleMessage())
            #expect(delivery == .accepted(reply: "250 2.0.0 OK queued as 1"))
            #expect(try server.receivedMessages().count == 1)
        }
    }

    @Test func wrongCredentialsAreRejectedAnd535NeverShowsThePassword() async throws {
        try await TestSMTPServer.with(.init(credentials: ("shop", "right"))) { server in
            let log = RecordingLogHandler()
            let smtp = try transport("smtp://shop:hunter2-wrong@127.0.0.1:\(server.port)", log: log)
            let delivery = try await smtp.send(sampleMessage())
            #expect(delivery == .rejected(code: 535, reply: "535 5.7.8 Authentication credentials invalid"))
            #expect(!"\(delivery)".contains("hunter2"))
            #expect(!log.recorded.isEmpty && !log.recorded.contains { $0.contains("hunter2") }, "\(log.recorded)")
            // Nor the base64 of AUTH PLAIN's "\0shop\0hunter2-wrong".
            let plain = Data("\u{0}shop\u{0}hunter2-wrong".utf8).base64EncodedString()
            #expect(!log.recorded.contains { $0.contains(plain) })
            #expect(try server.receivedMessages().isEmpty)
        }
    }

    @Test func startTLSRequiredWorksWithASelfSignedCertificateWhenVerificationIsOff() async throws {
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("remit-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: keys) }
        let certificate = try TestSMTPServer.makeSelfSignedCertificate(in: keys)
        // The server refuses MAIL FROM before STARTTLS, so an accepted message went over TLS.
        try await TestSMTPServer.with(.init(startTLS: certificate)) { server in
            let base = "smtp://127.0.0.1:\(server.port)?starttls=required"
            #expect(try await transport(base + "&verify=off").send(sampleMessage()) == .accepted(reply: "250 2.0.0 OK queued as 1"))
            // Verified (the default), a self-signed certificate fails the handshake: unavailable (the
            // same for every message), nothing sent.
            let verified = try await transport(base).send(sampleMessage(messageId: "<req-2@remit>"))
            guard case .unavailable(let reason) = verified else {
                Issue.record("expected the server unavailable, got \(verified)")
                return
            }
            #expect(reason.lowercased().contains("certificate"), "\(reason)")
            // Trusting the certificate as a CA file works with verification on (it names localhost).
            let trusted = "smtp://localhost:\(server.port)?starttls=required&ca-file=\(certificate.certificate)"
            #expect(
                try await transport(trusted).send(sampleMessage(messageId: "<req-3@remit>")) == .accepted(reply: "250 2.0.0 OK queued as 2")
            )
            #expect(try server.receivedMessages().count == 2)
        }
    }

    /// libcurl stops after EHLO when STARTTLS is not offered (CURLE_USE_SSL_FAILED); the server's
    /// last reply was a 250, so nothing permanent was said about the message: unavailable (it fails
    /// every message alike), and nothing goes in clear.
    @Test func startTLSRequiredAgainstAServerWithoutItIsUnavailable() async throws {
        try await TestSMTPServer.with { server in
            let delivery = try await transport("smtp://127.0.0.1:\(server.port)?starttls=required").send(sampleMessage())
            guard case .unavailable(let reason) = delivery else {
                Issue.record("expected the server unavailable, got \(delivery)")
                return
            }
            #expect(reason.contains("STARTTLS"), "\(reason)")
            #expect(try server.receivedMessages().isEmpty)
            // Optional STARTTLS goes on in plain text with the same server.
            let optional = try await transport("smtp://127.0.0.1:\(server.port)?starttls=optional").send(sampleMessage())
            #expect(optional == .accepted(reply: "250 2.0.0 OK queued as 1"))
        }
    }
}
