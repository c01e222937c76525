import Foundation
import RemitCore

/// The answer to a command whose producer set `reply_to` (published to that address with the
/// producer's AMQP `correlation_id`). The same outcome is kept in the channel store.
public struct CommandReply: MessageBody, Equatable {
    public static let messageType = "remit.reply"
    public static let schemaVersion = 1

    public enum Outcome: String, Sendable, Codable { case accepted, refused }

    /// The command's message type and id.
    public var command: String
    public var commandId: String
    public var outcome: Outcome
    /// A `StorefrontRefusal` code when refused.
    public var code: String?
    public var reason: String?
    public var paymentId: String?
    public var requestId: String?
    public var lineId: String?

    public init(
        command: String, commandId: String, outcome: Outcome, code: String? = nil, reason: String? = nil,
        paymentId: String? = nil, requestId: String? = nil, lineId: String? = nil
    ) {
        self.command = command
        self.commandId = commandId
        self.outcome = outcome
        self.code = code
        self.reason = reason
        self.paymentId = paymentId
        self.requestId = requestId
        self.lineId = lineId
    }
}
