/// What became of one message handed to a transport.
public enum MailDelivery: Sendable, Equatable {
    /// The server (or the outbox) took responsibility; `reply` is its last reply, e.g. "250 OK queued as X".
    case accepted(reply: String)
    /// A permanent refusal (a 5xx reply, e.g. 550 user unknown at RCPT): retrying cannot help.
    case rejected(code: Int, reply: String)
    /// Not delivered now, worth retrying later: the server answered 4xx for this message.
    case deferred(reason: String)
    /// The server (or the outbox) could not be used at all — no connection, a timeout, a TLS or
    /// STARTTLS failure, a dropped connection, a write error: it fails every message alike, so it
    /// is the sender's problem, not this message's.
    case unavailable(reason: String)
}
