import Foundation
import RemitCore

public struct CustomersChanged: MessageBody, Equatable {
    public static let messageType = "channel.customers.changed"
    public static let schemaVersion = 1
    public var customers: [CustomerSnapshot]
    public init(customers: [CustomerSnapshot]) { self.customers = customers }
}
