import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitCore

/// What a worker kind does with one message. It runs inside the store transaction that also records
/// the message in the inbox, and returns the follow-up messages; the runtime owns acks, retries,
/// dead-lettering and publishing.
///
/// Throw `BadInput` for a message that can never succeed (it is dead-lettered at once); any other
/// error is transient and goes through the retry tiers. Business refusals are not errors: record
/// them as state the buyer sees.
public protocol MessageHandler: Sendable {
    func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage]
}

/// A message that can never be handled as it is: undecodable, unknown type or version, invalid body.
public struct BadInput: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A delivered message whose envelope decoded, handed to a handler.
public struct IncomingMessage: Sendable {
    public let header: EnvelopeHeader
    /// The whole envelope as delivered.
    public let data: Data
    /// 1 for the first attempt; retries count up.
    public let attempt: Int
    public let receivedAt: Date

    public init(header: EnvelopeHeader, data: Data, attempt: Int, receivedAt: Date) {
        self.header = header
        self.data = data
        self.attempt = attempt
        self.receivedAt = receivedAt
    }

    /// The typed envelope; a body that does not decode is `BadInput`.
    public func decode<Body: MessageBody>(_ type: Body.Type) throws -> Envelope<Body> {
        guard header.type == Body.messageType else {
            throw BadInput("expected a \(Body.messageType) message, got \(header.type)")
        }
        do {
            return try MessageCoding.decoder().decode(Envelope<Body>.self, from: data)
        } catch let error as DecodingError {
            throw BadInput("\(header.type) v\(header.version) body does not decode: \(DecodingErrorText.describe(error))")
        }
    }
}

enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.isEmpty ? "$" : "$" + joined
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
