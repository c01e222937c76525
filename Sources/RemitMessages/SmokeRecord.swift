import Foundation
import RemitCore

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
