import Dispatch

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

/// Hands a message on. Senders own retries; a transport reports what happened.
public protocol MailTransport: Sendable {
    /// Never throws; never blocks the Swift cooperative thread pool (libcurl is blocking: run it on a dedicated thread / DispatchQueue and resume a continuation).
    func send(_ message: MailMessage) async -> MailDelivery
}

extension DispatchQueue {
    /// Runs blocking work (libcurl, file writes with fsync) here rather than on the cooperative pool,
    /// which has only as many threads as cores.
    func deliver(_ work: @escaping @Sendable () -> MailDelivery) async -> MailDelivery {
        await withCheckedContinuation { continuation in
            self.async { continuation.resume(returning: work()) }
        }
    }
}
