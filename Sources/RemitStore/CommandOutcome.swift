import Foundation
import RemitCore

/// What became of one command (`command_outcome`): accepted, or refused with a reason the buyer
/// reads. The portal shows a click as pending until its outcome is here.
public struct CommandOutcome: Sendable, Equatable, Codable {
    /// The same words as the producer's answer (`Outcome`).
    public enum Outcome: String, Sendable, Codable { case accepted, refused }

    public var messageId: String
    public var type: String
    public var userLogin: String
    public var correlationId: String
    public var outcome: Outcome
    public var code: String?
    public var reason: String?
    public var paymentId: String?
    public var requestId: String?
    public var lineId: String?
    public var at: Date

    public init(
        messageId: String, type: String, userLogin: String, correlationId: String, outcome: Outcome,
        code: String? = nil, reason: String? = nil, paymentId: String? = nil, requestId: String? = nil, lineId: String? = nil, at: Date
    ) {
        self.messageId = messageId
        self.type = type
        self.userLogin = userLogin
        self.correlationId = correlationId
        self.outcome = outcome
        self.code = code
        self.reason = reason
        self.paymentId = paymentId
        self.requestId = requestId
        self.lineId = lineId
        self.at = at
    }
}
