import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// A dead letter as `list --json`, `show --json` and `export` write it.
public struct DeadLetterView: Sendable, Codable, Equatable {
    public var messageId: String
    public var type: String
    public var correlationId: String?
    public var deadLetterQueue: String
    public var worker: String
    public var originalQueue: String
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: String
    public var collectedAt: String
    public var replayCount: Int
    public var properties: AMQPProperties
    /// The body as JSON when it is JSON; otherwise `bodyText` (UTF-8) or `bodyBase64`.
    public var body: JSONValue?
    public var bodyText: String?
    public var bodyBase64: String?

    public init(_ letter: DeadLetter) throws {
        messageId = letter.messageId
        type = letter.messageType
        correlationId = letter.correlationId
        deadLetterQueue = letter.deadLetterQueue
        worker = letter.worker
        originalQueue = letter.originalQueue
        originalExchange = letter.originalExchange
        originalRoutingKey = letter.originalRoutingKey
        reason = letter.reason
        error = letter.error
        attempts = letter.attempts
        failedAt = Timestamp.format(letter.failedAt)
        collectedAt = Timestamp.format(letter.collectedAt)
        replayCount = letter.replayCount
        properties = try DeadLetterProperties.decode(letter)
        if let json = try? JSONValue.parse(letter.body) {
            body = json
        } else if let text = String(data: letter.body, encoding: .utf8) {
            bodyText = text
        } else {
            bodyBase64 = letter.body.base64EncodedString()
        }
    }
}
