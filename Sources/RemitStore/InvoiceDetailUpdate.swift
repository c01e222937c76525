/// The lines and settlements of an invoice snapshot as the channel store takes them (channel-updates
/// maps HQ's `InvoiceSnapshot` to this). A long invoice's snapshot comes in parts: each carries a
/// window of each list, starting at `linesFrom`/`settlementsFrom` (1-based), and the whole list's
/// count; a list not sent (nil) leaves what is stored.
public struct InvoiceDetailUpdate: Sendable, Equatable {
    public var invoice: String
    public var lines: [ChannelInvoiceLine]?
    public var linesFrom: Int
    /// The whole list's length; nil: the window is the whole list.
    public var lineCount: Int?
    public var settlements: [ChannelSettlement]?
    public var settlementsFrom: Int
    public var settlementCount: Int?

    public init(
        invoice: String, lines: [ChannelInvoiceLine]?, linesFrom: Int = 1, lineCount: Int? = nil,
        settlements: [ChannelSettlement]?, settlementsFrom: Int = 1, settlementCount: Int? = nil
    ) {
        self.invoice = invoice
        self.lines = lines
        self.linesFrom = linesFrom
        self.lineCount = lineCount
        self.settlements = settlements
        self.settlementsFrom = settlementsFrom
        self.settlementCount = settlementCount
    }
}
