import Dispatch

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
