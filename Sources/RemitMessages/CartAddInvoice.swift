import Foundation
import RemitCore

// The storefront's commands (cart, payment posting, copy requests), the public commands other
// systems publish (`invoice.pay`, `invoice.request`) and the reply a producer gets back. Each names
// the user it acts for; a worker refuses a command whose acting user is another user.

/// Put an invoice in the user's cart, for `amount` or (when nil) the proposed amount.
public struct CartAddInvoice: MessageBody, Equatable {
    public static let messageType = "cart.add-invoice"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public var amount: Money?
    public init(user: String, invoiceNumber: String, amount: Money? = nil) {
        self.user = user
        self.invoiceNumber = invoiceNumber
        self.amount = amount
    }
}

/// Put `quantity` of product `sku` in the user's cart.
