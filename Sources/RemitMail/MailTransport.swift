/// Hands a message on. Senders own retries; a transport reports what happened.
public protocol MailTransport: Sendable {
    /// Never throws; never blocks the Swift cooperative thread pool (libcurl is blocking: run it on `BlockingPool`).
    func send(_ message: MailMessage) async -> MailDelivery
}
