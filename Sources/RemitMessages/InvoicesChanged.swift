import Foundation
import RemitCore

public struct InvoicesChanged: MessageBody, Equatable {
    public static let messageType = "channel.invoices.changed"
    public static let schemaVersion = 1
    public var invoices: [InvoiceSnapshot]
    public init(invoices: [InvoiceSnapshot]) { self.invoices = invoices }
}
