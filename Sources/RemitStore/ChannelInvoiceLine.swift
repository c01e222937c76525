import RemitCore

/// One line of an invoice as the channel keeps it for the detail page (`line_no` is its place).
public struct ChannelInvoiceLine: Sendable, Equatable {
    public var description: String
    public var amount: Money

    public init(description: String, amount: Money) {
        self.description = description
        self.amount = amount
    }
}
