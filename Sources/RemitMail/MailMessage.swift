import Foundation
import RemitCore

/// One e-mail to one recipient, with a plain-text and an HTML version of the same content, and
/// files attached (an invoice's PDF).
public struct MailMessage: Sendable, Equatable {
    /// A file sent with the message: its name as the recipient saves it, its media type, its bytes.
    public struct Attachment: Sendable, Equatable {
        public var filename: String
        public var contentType: String
        public var bytes: [UInt8]

        /// `filename` is kept to letters, digits, `.`, `-` and `_` (others become `_`; at most 100
        /// characters), so it needs no quoting or encoding and cannot break its header.
        public init(filename: String, contentType: String, bytes: [UInt8]) {
            let safe = filename.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-_".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }
            self.filename = String(String(safe).prefix(100))
            self.contentType = contentType
            self.bytes = bytes
        }
    }

    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var textBody: String
    public var htmlBody: String
    /// Globally unique, deterministic from the caller (e.g. "<request-id@remit>"); duplicates detectable downstream.
    public var messageId: String
    public var date: Date
    public var attachments: [Attachment]

    public init(
        from: MailAddress, to: MailAddress, subject: String, textBody: String, htmlBody: String, messageId: String, date: Date,
        attachments: [Attachment] = []
    ) {
        self.attachments = attachments
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageId = messageId
        self.date = date
    }

    /// RFC 5322 bytes: CRLF line endings, MIME multipart/alternative (text/plain then text/html, UTF-8,
    /// quoted-printable bodies) — inside multipart/mixed with each attachment after it, base64 in lines
    /// of 76, when there are attachments —, RFC 2047-encoded non-ASCII headers, Message-ID, Date,
    /// MIME-Version. Header values are sanitised: CR/LF in a subject or display name can never inject
    /// a header. The same message always gives the same bytes.
    public func rfc5322() -> Data {
        var text = ""
        text += "Date: \(MIME.date(date))\r\n"
        text += MIME.addressHeader("From", from)
        text += MIME.addressHeader("To", to)
        text += MIME.unstructuredHeader("Subject", subject)
        text += "Message-ID: \(MIME.messageIdField(messageId))\r\n"
        text += "MIME-Version: 1.0\r\n"
        if !attachments.isEmpty {
            text += "Content-Type: multipart/mixed; boundary=\"\(MIME.mixedBoundary)\"\r\n\r\n"
            text += "--\(MIME.mixedBoundary)\r\n"
        }
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
        guard !attachments.isEmpty else { return Data(text.utf8) }
        for attachment in attachments {
            text += "--\(MIME.mixedBoundary)\r\n"
            text += "Content-Type: \(attachment.contentType); name=\"\(attachment.filename)\"\r\n"
            text += "Content-Disposition: attachment; filename=\"\(attachment.filename)\"\r\n"
            text += "Content-Transfer-Encoding: base64\r\n\r\n"
            let encoded = Data(attachment.bytes).base64EncodedString(options: [
                .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
            ])
            text += encoded + "\r\n"
        }
        text += "--\(MIME.mixedBoundary)--\r\n"
        return Data(text.utf8)
    }
}
