/// A store that records steps of a click (the channel store, HQ's): what `remit trace` reads from
/// each, read-only, without holding a thread of the cooperative pool.
public protocol ClickTraceSource: Sendable {
    /// The correlation id of the message `messageId` when this store applied or answered it.
    func correlationId(ofMessage messageId: String) async throws -> String?

    /// The steps this store recorded for `correlationId`, following the payment and request ids
    /// that stores read before it found (`found`); returned with the ids it found added.
    func steps(correlationId: String, following found: ClickTrace.Found) async throws -> ClickTrace.Found
}
