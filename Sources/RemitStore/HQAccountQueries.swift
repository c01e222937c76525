/// HQ's customer accounts and their B2B users: what the jobs, the credit check, the seed and
/// `remit users` read and write.
public protocol HQAccountQueries {
    func customer(account: String) throws -> HQCustomer?
    /// The customers of `accounts` HQ has (an unknown account is left out).
    func customers(accounts: [String]) throws -> [HQCustomer]
    /// Customers changed after `position`, in change order, at most `limit`.
    func changedCustomers(after position: DistributionPosition, limit: Int) throws -> [HQCustomer]
    func customerCount() throws -> Int
    func insert(_ customer: HQCustomer) throws

    func user(login: String) throws -> HQUser?
    func userExists(login: String) throws -> Bool
    /// Every user's login, sorted.
    func userLogins() throws -> [String]
    /// Every user, by customer account.
    func usersByCustomer() throws -> [String: [HQUser]]
    func insert(_ user: HQUser) throws
}
