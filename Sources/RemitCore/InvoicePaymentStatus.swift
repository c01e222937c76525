/// What a buyer sees an invoice as.
public enum InvoicePaymentStatus: String, Sendable, Codable, CaseIterable {
    case unpaid
    case partiallyPaid = "partially-paid"
    case paid
}
