/// A B2B user of a customer account in HQ (`b2b_user`); passwords live in the channel store.
public struct HQUser: Sendable, Equatable, Codable {
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
