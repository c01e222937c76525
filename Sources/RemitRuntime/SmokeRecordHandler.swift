import Foundation
import GRDB
import RemitCore
import RemitStore

/// Body of `smoke.record`: store `amount` under `key`, once.
public struct SmokeRecord: MessageBody, Equatable {
    public static let messageType = "smoke.record"
    public static let schemaVersion = 1
    public var key: String
    public var amount: Money
    /// Fail transiently on the first N attempts, to exercise the retry tiers.
    public var failAttempts: Int?
    public var payload: String?

    public init(key: String, amount: Money, failAttempts: Int? = nil, payload: String? = nil) {
        self.key = key
        self.amount = amount
        self.failAttempts = failAttempts
        self.payload = payload
    }
}

/// Follow-up of `smoke.record`.
public struct SmokeRecorded: MessageBody, Equatable {
    public static let messageType = "smoke.recorded"
    public static let schemaVersion = 1
    public var key: String
    public var amount: Money
    public var recordId: Int64

    public init(key: String, amount: Money, recordId: Int64) {
        self.key = key
        self.amount = amount
        self.recordId = recordId
    }
}

public struct SmokeTransientFailure: Error, CustomStringConvertible {
    public var attempt: Int
    public var description: String { "smoke record asked to fail on attempt \(attempt)" }
}

/// The built-in `smoke` worker kind: one insert per message and one follow-up. It exists to test the
/// runtime and the broker end to end (and to benchmark them), not for business use.
public struct SmokeRecordHandler: MessageHandler {
    let clock: any WallClock

    public init(clock: any WallClock) { self.clock = clock }

    public var bodyTypes: [any MessageBody.Type] { [SmokeRecord.self] }

    public func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage] {
        let envelope = try message.envelope(SmokeRecord.self)
        let record = envelope.body
        if let failAttempts = record.failAttempts, message.attempt <= failAttempts {
            throw SmokeTransientFailure(attempt: message.attempt)
        }
        let recordId = try SmokeRecordEntry(key: record.key, amount: record.amount, messageId: envelope.id, recordedAt: clock.now())
            .record(db)
        let recorded = SmokeRecorded(key: record.key, amount: record.amount, recordId: recordId)
        return [try OutgoingMessage(envelope.header.followUp(recorded, key: record.key, occurredAt: clock.now(),
                                                             actingUser: "system:smoke"))]
    }
}
