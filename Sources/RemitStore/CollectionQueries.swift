import Foundation
import RemitCore

/// HQ's collection settings and the letters it issued: the policies (levels by due date and the
/// cash-discount notice), each customer account's policy, and each invoice's levels sent.
public protocol CollectionQueries {
    /// Every policy with its levels, by code.
    func policies() throws -> [CollectionPolicy]
    /// How many customer accounts have each policy, by code.
    func accountCounts() throws -> [String: Int]
    /// The account's policy code, nil for an account HQ does not know.
    func policyCode(account: String) throws -> String?
    /// Gives `account` the policy `code`; throws `CollectionSettingError` for an unknown account or policy.
    func setPolicy(account: String, code: String) throws
    /// Adds the level to policy `code` (creating the policy) or replaces its level of that number;
    /// throws `CollectionSettingError` for a level `CollectionLevel.problem` refuses.
    func saveLevel(_ level: CollectionLevel, policy code: String) throws
    /// Removes a level; throws `CollectionSettingError` when the policy has no such level.
    func removeLevel(_ level: Int, policy code: String) throws
    /// Customer accounts whose policy has levels, with that policy's code, by account.
    func accountsWithLetters() throws -> [(customer: HQCustomer, policy: String)]
    /// The account's invoices with something open (total less settled and discount taken), by due date.
    func openInvoices(account: String) throws -> [HQInvoice]
    /// The levels each of `invoices` had a letter of.
    func sentLevels(invoices: [String]) throws -> [String: Set<Int>]
    /// Records the letter and, per invoice, its level; an invoice's level recorded before is a
    /// constraint failure (each level once).
    func record(_ letter: HQCollectionLetter) throws
    /// The account's letters, newest first; all accounts' when nil.
    func letters(account: String?, limit: Int) throws -> [HQCollectionLetter]
}
