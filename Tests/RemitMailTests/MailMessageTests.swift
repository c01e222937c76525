import Foundation
import RemitTestSupport
import RemitMail
import Testing

/// 2026-02-03T10:15:00Z, a Tuesday.
let fixedDate = Date(timeIntervalSince1970: 1_770_113_700)

func sampleMessage(
    subject: String = "Your invoice", text: String = "Hello,\nthe invoice.\n", html: String = "<p>Hello,</p>\n<p>the invoice.</p>\n",
    fromName: String? = "Remit Billing", messageId: String = "<req-1@remit>"
) throws -> MailMessage {
    MailMessage(
        from: try MailAddress("billing@remit.example", name: fromName), to: try MailAddress("anna@customer.example", name: "Anna"),
        subject: subject, textBody: text, htmlBody: html, messageId: messageId, date: fixedDate)
}

extension Data {
    var text: String { String(decoding: self, as: UTF8.self) }

    /// The header lines before the first empty line, unfolded.
    var headerLines: [String] {
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        return head.replacingOccurrences(of: "\r\n ", with: " ").components(separatedBy: "\r\n")
    }
}

@Suite struct MailMessageTests {
    @Test func everyLineEndsInCRLFWhateverTheBodiesUse() throws {
        let data = try sampleMessage(text: "unix\nmac\rwindows\r\nend", html: "<p>a</p>\n\n<p>b</p>").rfc5322()
        let bytes = Array(data)
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") { #expect(index > 0 && bytes[index - 1] == UInt8(ascii: "\r"), "bare LF at \(index)") }
            if byte == UInt8(ascii: "\r") {
                #expect(index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n"), "bare CR at \(index)")
            }
        }
        #expect(data.text.hasSuffix("\r\n"))
        #expect(bytes.allSatisfy { $0 < 128 }, "7-bit only")
    }

    @Test func pythonsParserFindsHeadersAndBothPartsInOrder() throws {
        let message = try sampleMessage(
            subject: "Rechnung für März – 1234.50 €", text: "Grüße,\nline two\n", html: "<p>Grüße</p>\n")
        let parsed = try ParsedMail.parse(message.rfc5322())
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.subject == "Rechnung für März – 1234.50 €")
        #expect(parsed.from == "Remit Billing <billing@remit.example>")
        #expect(parsed.to == "Anna <anna@customer.example>")
        #expect(parsed.messageId == "<req-1@remit>")
        #expect(parsed.date == "Tue, 03 Feb 2026 10:15:00 +0000")
        #expect(parsed.contentType == "multipart/alternative")
        #expect(parsed.headerNames.contains("MIME-Version"))
        #expect(parsed.parts.map(\.type) == ["text/plain", "text/html"])
        #expect(parsed.parts.map(\.charset) == ["utf-8", "utf-8"])
        #expect(parsed.parts.map(\.content) == ["Grüße,\nline two\n", "<p>Grüße</p>\n"])
    }

    @Test func aSubjectOrNameCannotInjectAHeader() throws {
        let message = try sampleMessage(
            subject: "Invoice\r\nBcc: spy@evil.example", fromName: "Billing\nBcc: spy2@evil.example\r\nX-Evil: 1")
        let headers = message.rfc5322().headerLines
        #expect(!headers.contains { $0.lowercased().hasPrefix("bcc:") || $0.lowercased().hasPrefix("x-evil:") }, "\(headers)")
        let parsed = try ParsedMail.parse(message.rfc5322())
        #expect(!parsed.headerNames.contains { ["bcc", "x-evil"].contains($0.lowercased()) })
        #expect(parsed.subject == "Invoice  Bcc: spy@evil.example")
        #expect(parsed.to == "Anna <anna@customer.example>")
    }

    @Test func nonASCIISubjectsAndNamesAreEncodedWords() throws {
        let message = try sampleMessage(subject: "Fälligkeit 📅", fromName: "Zoë Müller")
        let headers = message.rfc5322().headerLines
        let subject = try #require(headers.first { $0.hasPrefix("Subject: ") })
        #expect(subject.hasPrefix("Subject: =?UTF-8?B?"))
        let from = try #require(headers.first { $0.hasPrefix("From: ") })
        #expect(from.hasPrefix("From: =?UTF-8?B?") && from.hasSuffix(" <billing@remit.example>"))
        let parsed = try ParsedMail.parse(message.rfc5322())
        #expect(parsed.subject == "Fälligkeit 📅")
        #expect(parsed.from == "Zoë Müller <billing@remit.example>")
    }

    @Test func longSubjectsAndLinesFoldWithinLimits() throws {
        let subject = String(repeating: "Überweisung ", count: 20)
        let line = String(repeating: "é=x ", count: 60) + " "
        let message = try sampleMessage(subject: subject, text: line + "\n")
        let data = message.rfc5322()
        for line in data.text.components(separatedBy: "\r\n") {
            #expect(line.count <= 78, "\(line)")
        }
        let parsed = try ParsedMail.parse(data)
        #expect(parsed.subject == subject.trimmingCharacters(in: .whitespaces) || parsed.subject == subject)
        #expect(parsed.parts.first?.content == line + "\n", "soft breaks and the trailing space decode back")
    }

    @Test func theSameMessageGivesTheSameBytes() throws {
        #expect(try sampleMessage().rfc5322() == sampleMessage().rfc5322())
        #expect(try sampleMessage(messageId: "<a@remit>").rfc5322() != sampleMessage(messageId: "<b@remit>").rfc5322())
    }

    @Test func theMessageIdCannotBreakItsLine() throws {
        let headers = try sampleMessage(messageId: "<x@remit>\r\nBcc: spy@evil.example").rfc5322().headerLines
        #expect(headers.contains("Message-ID: <x@remitBcc:spy@evil.example>"))
        #expect(!headers.contains { $0.hasPrefix("Bcc:") })
    }
}

@Suite struct MailAddressTests {
    @Test(arguments: ["anna@customer.example", "a.b+tag@sub.example.co", "x@y"])
    func plausibleAddressesAreAccepted(address: String) throws {
        #expect(try MailAddress(address).address == address)
    }

    @Test(arguments: [
        "", "anna", "anna@", "@example.com", "a@b@c", "anna @example.com", "anna@example.com\r\nBcc: x@y", "<anna@example.com>",
        "anna@example.com, bob@example.com", "anna;bob@example.com", "\"anna\"@example.com", "anné@example.com", "anna\t@x",
        String(repeating: "a", count: 250) + "@x.de",
    ])
    func implausibleAddressesAreRefused(address: String) {
        #expect(throws: MailError.self) { try MailAddress(address) }
    }

    @Test func refusalsQuoteAtMostAShortPieceOfTheInput() {
        let long = String(repeating: "x", count: 300) + "@" + String(repeating: "y", count: 300)
        let marked = String(repeating: "m", count: 60) + "<TAIL-MARK>@example.com"
        for input in [long, marked, long + ">"] {
            do {
                _ = try MailAddress(input)
                Issue.record("accepted \(input)")
            } catch {
                #expect("\(error)".count < 120, "\(error)")
                #expect(!"\(error)".contains("TAIL-MARK"))
            }
        }
    }
}
