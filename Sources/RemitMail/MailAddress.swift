/// One mailbox: an addr-spec (`billing@example.com`) and an optional display name.
public struct MailAddress: Sendable, Equatable {
    public var address: String
    /// Shown by mail readers (`Remit Billing <billing@example.com>`); any text, encoded when sent.
    public var name: String?

    /// The longest address SMTP carries (RFC 5321's path limit less the angle brackets).
    public static let maximumLength = 254

    /// Accepts a plausible single addr-spec: one `@` with text on both sides, printable ASCII,
    /// nothing that would start another address or break a header or an SMTP command (whitespace,
    /// `<>`, `,`, `;`, quotes, brackets). Quoted local parts and address literals, legal but rare,
    /// are refused with the rest; non-ASCII addresses need SMTPUTF8, which the transport does not use.
    public init(_ address: String, name: String? = nil) throws(MailError) {
        let shown = address.count > 40 ? "'\(address.prefix(40))…'" : "'\(address)'"
        guard !address.isEmpty else { throw .invalidAddress("the address is empty") }
        // Checked before any of it is quoted: a CR or LF in the reason would break a log line.
        guard address.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw .invalidAddress("the address holds whitespace, a control or a non-ASCII character")
        }
        guard address.utf8.count <= Self.maximumLength else {
            throw .invalidAddress("\(shown) is longer than \(Self.maximumLength) characters")
        }
        if let forbidden = address.first(where: { "<>()[],;:\"\\".contains($0) }) {
            throw .invalidAddress("\(shown) holds '\(forbidden)'")
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalidAddress("\(shown) must hold exactly one '@'") }
        guard !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .invalidAddress("\(shown) needs text before and after the '@'")
        }
        self.address = address
        self.name = name
    }
}
