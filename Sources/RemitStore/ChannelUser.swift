import Foundation
import RemitCore

/// A B2B user as HQ distributed it with their customer (`channel_user`); passwords are in
/// `ChannelCredential`.
public struct ChannelUser: Sendable, Equatable, Codable {
    public var login: String
    public var customerAccount: String
    public var displayName: String
    public var email: String

    public init(login: String, customerAccount: String, displayName: String, email: String) {
        self.login = login
        self.customerAccount = customerAccount
        self.displayName = displayName
        self.email = email
    }
}
