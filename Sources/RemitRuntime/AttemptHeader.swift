import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// `x-remit-attempt`: set by Remit on retries, but a producer can set anything, so it is read like
/// any other input: absent means the first attempt; otherwise it must be a whole number from 1 to
/// one more than the retry tiers.
enum AttemptHeader {
    static func read(_ headers: AMQPTable, retryTiers: Int) -> Result<Int, BadInput> {
        guard let value = headers[RemitHeader.attempt] else { return .success(1) }
        let maximum = retryTiers + 1
        guard case .int(let number) = value, number >= 1, number <= Int64(maximum) else {
            return .failure(
                BadInput(
                    "header \(RemitHeader.attempt) is '\(SchemaViolation.shown(value.description.prefix(40)))'; it must be a whole number from 1 to \(maximum) (Remit sets it on retries; producers leave it out)"
                ))
        }
        return .success(Int(number))
    }
}
