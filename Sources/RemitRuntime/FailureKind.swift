/// What a failure inside a handler means for the message.
public enum FailureKind: Sendable, Equatable {
    /// The message can never succeed: dead-letter it at once with the reason.
    case badInput(String)
    /// Its handler returned a follow-up the consumer would refuse (`UnsendableMessage`): the
    /// sender's fault; dead-lettered at once, loudly, to be replayed after the fix.
    case unsendable(String)
    /// It may succeed later: spend an attempt and retry through the tiers.
    case transient
    /// The store itself failed (locked from outside beyond the busy timeout, disk full, I/O error,
    /// damaged); every message would fail alike. Transient too, but the worker's fault: it pauses
    /// and tries the same batch again, and no message spends an attempt.
    case store

    /// What `error` says of itself (`ClassifiedFailure`); an error that says nothing may pass on
    /// another try.
    init(_ error: any Error) {
        self = (error as? any ClassifiedFailure)?.failureKind ?? .transient
    }
}
