import Foundation
import RemitCore

/// An amount the smoke worker stored under a key (`smoke_record`), once per key.
public struct SmokeRecordEntry: Sendable, Equatable, Codable {
    /// Assigned by the store on insert.
    public var id: Int64?
    public var key: String
    public var amountMinor: Int64
    public var currency: Currency
    public var messageId: String
    public var recordedAt: Date

    public init(key: String, amount: Money, messageId: String, recordedAt: Date) {
        self.key = key
        amountMinor = amount.minorUnits
        currency = amount.currency
        self.messageId = messageId
        self.recordedAt = recordedAt
    }
}
