import RemitCore

/// What one of HQ's postings settled on an invoice, as the channel keeps it for the detail page.
public struct ChannelSettlement: Sendable, Equatable {
    public var settledOn: CalendarDate
    public var settled: Money
    public var discount: Money
    public var paymentId: String

    public init(settledOn: CalendarDate, settled: Money, discount: Money, paymentId: String) {
        self.settledOn = settledOn
        self.settled = settled
        self.discount = discount
        self.paymentId = paymentId
    }
}
