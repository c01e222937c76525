import Foundation
import RemitCore

/// The e-mail ledger (`email_ledger`): one row per request (or collection letter, by its letter id
/// in `requestId`), written before the e-mail is handed to the mail server and updated with the
/// outcome, so a redelivered or replayed `email.send` or `email.letter` never sends a second e-mail.
public struct EmailLedgerEntry: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Handed to the mail server; no outcome recorded yet (a crash may fall here).
        case sending
        /// The mail server could not take it now; the message is retried.
        case deferred
        case sent
        /// Refused for good (5xx, invalid address).
        case failed
        /// Not sent, and never to be: a collection letter whose invoices were all paid or covered
        /// by the time it was to go out.
        case skipped
    }

    public var requestId: String
    public var messageId: String
    public var recipient: String
    public var status: Status
    public var attempts: Int
    public var detail: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        requestId: String, messageId: String, recipient: String, status: Status, attempts: Int, detail: String?, createdAt: Date,
        updatedAt: Date
    ) {
        self.requestId = requestId
        self.messageId = messageId
        self.recipient = recipient
        self.status = status
        self.attempts = attempts
        self.detail = detail
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
