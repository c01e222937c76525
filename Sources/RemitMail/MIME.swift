import Foundation
import RemitCore

/// The encodings `MailMessage.rfc5322()` writes with. Everything they return is 7-bit ASCII with
/// CRLF line ends, so no server or relay needs 8BITMIME or SMTPUTF8.
enum MIME {
    /// Quoted-printable always writes `=` as `=3D`, so a boundary starting with `=_` cannot occur
    /// in a body: one fixed boundary serves every message and keeps the bytes deterministic.
    static let boundary = "=_remit_alternative"
    /// Around the alternative part and the attachments; base64 has no "=_" and no "-" either.
    static let mixedBoundary = "=_remit_mixed"

    /// `Subject: …` with its CRLF. Printable ASCII that fits one line goes as it is; anything else
    /// (non-ASCII, a long line, text that looks like an encoded word) as RFC 2047 encoded words.
    static func unstructuredHeader(_ name: String, _ value: String) -> String {
        let clean = singleLine(value)
        let plain = clean.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value < 127 } && !clean.contains("=?")
        if plain && name.count + 2 + clean.utf8.count <= 78 {
            return "\(name): \(clean)\r\n"
        }
        return "\(name): \(encodedWords(clean).joined(separator: "\r\n "))\r\n"
    }

    /// `From: "Name" <address>` with its CRLF. The address was validated by `MailAddress`; the name
    /// is a quoted string when it is printable ASCII, encoded words otherwise.
    static func addressHeader(_ name: String, _ mailbox: MailAddress) -> String {
        guard let displayName = mailbox.name.map(singleLine), !displayName.isEmpty else {
            return "\(name): <\(mailbox.address)>\r\n"
        }
        let plain = displayName.unicodeScalars.allSatisfy { $0.value >= 32 && $0.value < 127 } && !displayName.contains("=?")
        if plain && name.count + displayName.utf8.count + mailbox.address.utf8.count + 8 <= 78 {
            let quoted = displayName.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\(name): \"\(quoted)\" <\(mailbox.address)>\r\n"
        }
        return "\(name): \(encodedWords(displayName).joined(separator: "\r\n "))\r\n <\(mailbox.address)>\r\n"
    }

    /// The caller's id between angle brackets, without anything that could end the header line.
    static func messageIdField(_ messageId: String) -> String {
        let kept = messageId.unicodeScalars.filter { $0.value > 32 && $0.value < 127 && $0 != "<" && $0 != ">" }
        return "<\(String(String.UnicodeScalarView(kept)))>"
    }

    /// Text for one header line: CR, LF and every other control character (and Unicode's line
    /// separators) become a space, so a value can never start a header of its own.
    static func singleLine(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { scalar -> Unicode.Scalar in
            switch scalar.value {
            case 0..<32, 127..<160, 0x2028, 0x2029: return " "
            default: return scalar
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// RFC 2047 `B` encoded words of at most 64 characters each, never splitting a character's
    /// UTF-8 bytes; folded after a header name they keep every line under 78 characters.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func flush() {
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
            chunk.removeAll()
        }
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 39 { flush() }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { flush() }
        return words
    }

    /// The body's lines (ended by CRLF, LF or CR) in quoted-printable, each output line at most 76
    /// characters, ended by CRLF where the text had a line break. The CRLF before a boundary belongs
    /// to the boundary, so the caller adds one: a body ending in a line break keeps it.
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        var line: [UInt8] = []
        func encodeLine(breaking: Bool) {
            var width = 0
            for (index, byte) in line.enumerated() {
                let isWhitespace = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                // Trailing whitespace is encoded: relays may strip it.
                let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || (isWhitespace && index < line.count - 1)
                let token = literal ? String(UnicodeScalar(byte)) : hexEscape(byte)
                // 75 leaves room for the soft line break's `=`.
                if width + token.count > 75 {
                    output += "=\r\n"
                    width = 0
                }
                output += token
                width += token.count
            }
            if breaking { output += "\r\n" }
            line.removeAll(keepingCapacity: true)
        }
        var previous: UInt8 = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\n") where previous == UInt8(ascii: "\r"): break
            case UInt8(ascii: "\r"), UInt8(ascii: "\n"): encodeLine(breaking: true)
            default: line.append(byte)
            }
            previous = byte
        }
        encodeLine(breaking: false)
        return output
    }

    private static func hexEscape(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }

    /// RFC 5322 date-time in UTC, e.g. `Tue, 03 Feb 2026 10:15:00 +0000` (English names whatever
    /// the locale).
    static func date(_ date: Date) -> String {
        let day = CalendarDate(date)
        let (year, month, dayOfMonth) = day.components
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) - Int(day.daysSinceEpoch) * 86_400
        // 1970-01-01 was a Thursday.
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((day.daysSinceEpoch % 7) + 7) % 7)]
        let monthName = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month - 1]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let time = "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        return "\(weekday), \(two(dayOfMonth)) \(monthName) \(year) \(time) +0000"
    }
}
