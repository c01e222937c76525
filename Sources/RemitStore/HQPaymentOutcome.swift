/// A channel payment HQ posted or refused, as distribution tells the channel.
public struct HQPaymentOutcome: Sendable, Equatable {
    /// The channel's payment id.
    public var paymentId: String
    public var posted: Bool
    /// Why it was refused; nil when posted.
    public var reason: String?

    public init(paymentId: String, posted: Bool, reason: String?) {
        self.paymentId = paymentId
        self.posted = posted
        self.reason = reason
    }
}
