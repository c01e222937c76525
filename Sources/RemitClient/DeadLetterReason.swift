public enum DeadLetterReason: String, Sendable {
    case badInput = "bad-input"
    case retriesExhausted = "retries-exhausted"
    /// The message id was already applied with other content.
    case idConflict = "id-conflict"
    /// Its handler returned a follow-up the consumer would refuse: a fault of the sending side,
    /// to replay once that is fixed.
    case unsendableFollowUp = "unsendable-follow-up"
}
