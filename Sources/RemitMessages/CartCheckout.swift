import Foundation
import RemitCore

/// Check the user's cart out with `tender`; a card payment carries the connector's authorization.
public struct CartCheckout: MessageBody, Equatable {
    public static let messageType = "cart.checkout"
    public static let schemaVersion = 1
    public var user: String
    public var tender: Tender
    public var cardAuthorization: String?
    public init(user: String, tender: Tender, cardAuthorization: String? = nil) {
        self.user = user
        self.tender = tender
        self.cardAuthorization = cardAuthorization
    }
}
