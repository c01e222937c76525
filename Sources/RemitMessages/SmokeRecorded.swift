import Foundation
import RemitCore

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
