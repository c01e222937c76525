/// AMQP headers Remit sets on retried and dead-lettered messages. Values never carry secrets or
/// message bodies.
public enum RemitHeader {
    /// Which attempt the delivery is (1 for the first).
    public static let attempt = "x-remit-attempt"
    /// `bad-input`, `retries-exhausted`, `id-conflict` or `unsendable-follow-up`.
    public static let reason = "x-remit-reason"
    /// The last error, in words.
    public static let error = "x-remit-error"
    /// The worker kind that gave up.
    public static let worker = "x-remit-worker"
    /// When it gave up (ISO 8601).
    public static let failedAt = "x-remit-failed-at"
    /// Where the message was first published.
    public static let originalExchange = "x-remit-original-exchange"
    public static let originalRoutingKey = "x-remit-original-routing-key"
    /// How often `remit dead-letters replay` re-published the message (1 for the first replay).
    public static let replay = "x-remit-replay"

    /// What a replay removes: the failure it recovers from, so the message starts at attempt 1 again.
    public static let failure = [attempt, reason, error, worker, failedAt]
    /// The broker's dead-letter history. A replay removes it too: RabbitMQ would take a replayed
    /// message's next trip through the retry tiers for a dead-letter cycle and drop it. The
    /// operations store's audit keeps the history instead.
    public static let brokerDeathHistory = [
        "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
        "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason",
    ]
}
