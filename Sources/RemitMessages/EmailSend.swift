import Foundation
import RemitCore

/// Send an invoice copy to a user's registered e-mail address. The body carries what the e-mail
/// shows, as HQ had it when it processed the request, so dispatch needs no store of HQ's.
public struct EmailSend: MessageBody, Equatable {
    public static let messageType = "email.send"
    public static let schemaVersion = 2
    public var requestId: String
    public var to: String
    public var recipientName: String
    public var userLogin: String
    public var template: String
    public var invoice: InvoiceDocument

    /// The invoice as the e-mail presents it.
    public typealias InvoiceDocument = RemitCore.InvoiceDocument

    public init(
        requestId: String, to: String, recipientName: String, userLogin: String, invoice: InvoiceDocument,
        template: String = "invoice-copy"
    ) {
        self.requestId = requestId
        self.to = to
        self.recipientName = recipientName
        self.userLogin = userLogin
        self.invoice = invoice
        self.template = template
    }
}
