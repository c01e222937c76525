import Foundation
import RemitCore

/// A user's cart (`cart`): at most one open at a time; a checkout submits it.
public struct Cart: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable { case open, submitted }

    public var id: String
    public var userLogin: String
    public var customerAccount: String
    public var status: Status
    public var createdAt: Date
    public var updatedAt: Date
    public var submittedAt: Date?
    public var tender: Tender?

    public init(id: String, userLogin: String, customerAccount: String, createdAt: Date) {
        self.id = id
        self.userLogin = userLogin
        self.customerAccount = customerAccount
        status = .open
        self.createdAt = createdAt
        updatedAt = createdAt
    }
}
