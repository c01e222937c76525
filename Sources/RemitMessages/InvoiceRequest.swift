import Foundation
import RemitCore

/// Public and the portal's: send a copy of an invoice to the user's registered e-mail address.
public struct InvoiceRequest: MessageBody, Equatable {
    public static let messageType = "invoice.request"
    public static let schemaVersion = 1
    public var user: String
    public var invoiceNumber: String
    public init(user: String, invoiceNumber: String) {
        self.user = user
        self.invoiceNumber = invoiceNumber
    }
}
