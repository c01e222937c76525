import Foundation
import RemitCore
import RemitMessages
import RemitStore

// What the errors of the modules below the runtime mean for a message.

extension UnsendableMessage: ClassifiedFailure {
    public var failureKind: FailureKind { .unsendable(description) }
}

extension StoreFailure: ClassifiedFailure {
    /// Refused data is the message's; a failing store (locked from outside, full, I/O, damaged,
    /// without this build's schema) the worker's; anything else may pass.
    public var failureKind: FailureKind {
        if refusesTheData { return .badInput("the store refused the message's data: \(detail)") }
        return isTheStoresFault ? .store : .transient
    }
}

extension CorruptStoredValue: ClassifiedFailure {
    public var failureKind: FailureKind { .store }
}

extension StoreError: ClassifiedFailure {
    public var failureKind: FailureKind { .store }
}

extension MoneyError: ClassifiedFailure {
    public var failureKind: FailureKind { .badInput(description) }
}

extension SettlementError: ClassifiedFailure {
    public var failureKind: FailureKind { .badInput(description) }
}

extension DecodingError: ClassifiedFailure {
    public var failureKind: FailureKind { .badInput(DecodingErrorText.describe(self)) }
}
