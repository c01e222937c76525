import Foundation
import RemitCore

/// One e-mail to one recipient, with a plain-text and an HTML version of the same content.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var textBody: String
    public var htmlBody: String
    /// Globally unique, deterministic from the caller (e.g. "<request-id@remit>"); duplicates detectable downstream.
    public var messageId: String
    public var date: Date

    public init(
        from: MailAddress, to: MailAddress, subject: String, textBody: String, htmlBody: String, messageId: String, date: Date
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageId = messageId
        self.date = date
    }

    /// RFC 5322 bytes: CRLF line endings, MIME multipart/alternative (text/plain then text/html, UTF-8,
    /// quoted-printable bodies), RFC 2047-encoded non-ASCII headers, Message-ID, Date, MIME-Version.
    /// Header values are sanitised: CR/LF in a subject or display name can never inject a header.
    /// The same message always gives the same bytes.
    public func rfc5322() -> Data {
        var text = ""
        text += "Date: \(MIME.date(date))\r\n"
        text += MIME.addressHeader("From", from)
        text += MIME.addressHeader("To", to)
        text += MIME.unstructuredHeader("Subject", subject)
        text += "Message-ID: \(MIME.messageIdField(messageId))\r\n"
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: multipart/alternative; boundary=\"\(MIME.boundary)\"\r\n"
        text += "\r\n"
        for (type, body) in [("text/plain", textBody), ("text/html", htmlBody)] {
            text += "--\(MIME.boundary)\r\n"
            text += "Content-Type: \(type); charset=utf-8\r\n"
            text += "Content-Transfer-Encoding: quoted-printable\r\n"
            text += "\r\n"
            text += MIME.quotedPrintable(body) + "\r\n"
        }
        text += "--\(MIME.boundary)--\r\n"
        return Data(text.utf8)
    }
}
