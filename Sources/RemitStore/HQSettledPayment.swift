import RemitCore

/// A settlement of an invoice with the channel payment it came from, as distribution sends it.
public struct HQSettledPayment: Sendable, Equatable {
    public var settledOn: CalendarDate
    public var settled: Money
    public var discount: Money
    /// The channel's payment id.
    public var paymentId: String

    public init(settledOn: CalendarDate, settled: Money, discount: Money, paymentId: String) {
        self.settledOn = settledOn
        self.settled = settled
        self.discount = discount
        self.paymentId = paymentId
    }
}
