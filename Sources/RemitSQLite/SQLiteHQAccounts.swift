import GRDB
import RemitStore

/// HQ's customers and users (`HQAccountQueries`) on the `customer` and `b2b_user` tables.
struct SQLiteHQAccounts: HQAccountQueries {
    let db: Database

    func customer(account: String) throws -> HQCustomer? { try HQCustomer.find(db, account: account) }
    func customers(accounts: [String]) throws -> [HQCustomer] { try HQCustomer.fetchAll(db, keys: accounts) }
    func changedCustomers(after position: DistributionPosition, limit: Int) throws -> [HQCustomer] {
        try HQCustomer.changed(after: position, limit: limit, db)
    }
    func customerCount() throws -> Int { try HQCustomer.count(db) }
    func insert(_ customer: HQCustomer) throws { try customer.insert(db) }

    func user(login: String) throws -> HQUser? { try HQUser.find(db, login: login) }
    func userExists(login: String) throws -> Bool { try HQUser.exists(db, login: login) }
    func userLogins() throws -> [String] { try HQUser.logins(db) }
    func usersByCustomer() throws -> [String: [HQUser]] { try HQUser.byCustomer(db) }
    func insert(_ user: HQUser) throws { try user.insert(db) }
}
