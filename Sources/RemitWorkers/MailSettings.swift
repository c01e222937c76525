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

    public init(transport: any MailTransport, from: MailAddress) {
        self.transport = transport
        self.from = from
    }

    /// From `smtp-url` (unset: the file outbox `DATA_DIR/outbox`) and `mail-from`.
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
