import Foundation
import RemitCore

/// Public: pay an invoice for a user without the portal. The producer's `idempotencyKey` names the
/// payment: the same key again is the same payment, never a second one.
public struct InvoicePay: MessageBody, Equatable {
    public static let messageType = "invoice.pay"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public var amount: Money
    public var tender: Tender
    public var cardAuthorization: String?
    public var idempotencyKey: String
    public init(user: String, invoiceNumber: String, amount: Money, tender: Tender, cardAuthorization: String?, idempotencyKey: String) {
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.cardAuthorization = cardAuthorization
        self.idempotencyKey = idempotencyKey
    }
}
