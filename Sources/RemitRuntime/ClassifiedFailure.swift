/// An error that says what it means for the message whose handling threw it: the worker runtime
/// asks it (`FailureKind.init`) rather than matching types one by one. Remit's error types adopt
/// it where they are declared or, for modules below the runtime, in `ClassifiedFailure+Remit.swift`;
/// an error that does not adopt it is transient (retried through the tiers).
public protocol ClassifiedFailure: Error {
    var failureKind: FailureKind { get }
}
