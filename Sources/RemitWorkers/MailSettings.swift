import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore

/// Where invoice e-mails go and whom they are from.
public struct MailSettings: Sendable {
    public var transport: any MailTransport
    public var from: MailAddress
    /// The shop printed on the attached invoice PDFs; nil leaves the block out.
    public var seller: Seller?

    public init(transport: any MailTransport, from: MailAddress, seller: Seller? = nil) {
        self.transport = transport
        self.from = from
        self.seller = seller
    }

    /// From `smtp-url` (unset: the file outbox `DATA_DIR/outbox`), `mail-from`, `seller-name` and
    /// `seller-address`.
    public init(configuration: RemitConfiguration, logger: Logger) throws {
        if let url = configuration[.smtpURL], !url.isEmpty {
            do {
                transport = SMTPTransport(configuration: try SMTPConfiguration(url: url), logger: logger)
            } catch {
                throw ConfigurationError(.invalidValue, "smtp-url: \(error)")
            }
        } else {
            transport = FileOutbox(directory: (configuration.dataDirectory as NSString).appendingPathComponent("outbox"))
        }
        from = try Self.address(configuration[.mailFrom] ?? "")
        seller = try configuration.seller()
    }

    /// An e-mail's Message-ID: the same for every attempt at one request or letter (`key`), so a
    /// receiving side can drop the duplicate a crash between the send and its record would cause.
    func messageId(for key: String) -> String {
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "remit.invalid"
        return "<\(DeterministicID.make(from: "email", key))@\(domain)>"
    }

    /// `Name <address>` or a bare address.
    static func address(_ text: String) throws -> MailAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        do {
            if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
                let name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
                let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
                return try MailAddress(address, name: name.isEmpty ? nil : name)
            }
            return try MailAddress(trimmed)
        } catch {
            throw ConfigurationError(.invalidValue, "mail-from: \(error)")
        }
    }
}
