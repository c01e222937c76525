import Foundation
import GRDB
import RemitCore
import RemitStore

// HQUser in its SQLite table (`b2b_user`).
extension HQUser: StoredRecord {
    public static let databaseTableName = "b2b_user"

    public enum Columns {
        public static let login = Column("login")
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
