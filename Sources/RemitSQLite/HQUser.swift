import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// A B2B user of a customer account in HQ (`b2b_user`); passwords live in the channel store.
public struct HQUser: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "b2b_user"

    public var login: String
    public var customerAccount: String
    public var displayName: String
    public var email: String

    public enum Columns {
        public static let login = Column(CodingKeys.login)
    }

    public init(login: String, customerAccount: String, displayName: String, email: String) {
        self.login = login
        self.customerAccount = customerAccount
        self.displayName = displayName
        self.email = email
    }

    public init(row: Row) throws {
        self.init(login: row["login"], customerAccount: row["customer_account"], displayName: row["display_name"], email: row["email"])
    }

    public static func find(_ db: Database, login: String) throws -> HQUser? {
        try fetchOne(db, primaryKey: login)
    }

    public static func exists(_ db: Database, login: String) throws -> Bool {
        try exists(db, key: login)
    }

    /// Every user's login, sorted.
    public static func logins(_ db: Database) throws -> [String] {
        try select(Columns.login, as: String.self).order(Columns.login).fetchAll(db)
    }

    /// Every user, by customer account.
    public static func byCustomer(_ db: Database) throws -> [String: [HQUser]] {
        Dictionary(grouping: try fetchAll(db), by: \.customerAccount)
    }
}
