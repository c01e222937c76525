import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitCore

/// What a worker kind does with one message. It runs inside the store transaction that also records
/// the message in the inbox, and returns the follow-up messages; the runtime owns decoding, acks,
/// retries, dead-lettering and publishing.
///
/// Throw `BadInput` for a message that can never succeed (it is dead-lettered at once); any other
/// error is transient and goes through the retry tiers. Business refusals are not errors: record
/// them as state the buyer sees.
public protocol MessageHandler: Sendable {
    /// The bodies this handler reads; the runtime decodes each message once, into one of these.
    var bodyTypes: [any MessageBody.Type] { get }

    func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage]
}

/// A message that can never be handled as it is: undecodable, unknown type or version, invalid body.
public struct BadInput: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A delivered message, decoded, handed to a handler.
public struct IncomingMessage: Sendable {
    public let header: EnvelopeHeader
    public let body: any MessageBody
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    public let receivedAt: Date

    public init(header: EnvelopeHeader, body: any MessageBody, attempt: Int, receivedAt: Date) {
        self.header = header
        self.body = body
        self.attempt = attempt
        self.receivedAt = receivedAt
    }

    /// The typed envelope; a message of another type is `BadInput`.
    public func envelope<Body: MessageBody>(_ type: Body.Type) throws -> Envelope<Body> {
        guard let body = body as? Body else {
            throw BadInput("expected a \(Body.messageType) message, got \(header.type)")
        }
        return Envelope(header: header, body: body)
    }
}
