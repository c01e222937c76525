import Foundation
import RemitCore

/// Post one invoice payment a checkout accepted; `paymentId` makes posting idempotent.
public struct PaymentPost: MessageBody, Equatable {
    public static let messageType = "payment.post"
    public static let schemaVersion = 1
    public var paymentId: String
    public var user: String
    public var invoiceNumber: String
    public var amount: Money
    public var tender: Tender
    public var cardAuthorization: String?
    public init(paymentId: String, user: String, invoiceNumber: String, amount: Money, tender: Tender, cardAuthorization: String?) {
        self.paymentId = paymentId
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
        self.tender = tender
        self.cardAuthorization = cardAuthorization
    }
}
