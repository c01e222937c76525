/// A line of an HQ invoice (`invoice_line`).
public struct HQInvoiceLine: Sendable, Equatable, Codable {
    public var invoiceNumber: String
    public var lineNo: Int
    public var description: String
    public var amountMinor: Int64

    public init(invoiceNumber: String, lineNo: Int, description: String, amountMinor: Int64) {
        self.invoiceNumber = invoiceNumber
        self.lineNo = lineNo
        self.description = description
        self.amountMinor = amountMinor
    }
}
