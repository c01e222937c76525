import RemitCore
import RemitMessages
import RemitStore

/// An account's position in HQ: the balance (what its invoices still have open) and the credit
/// headroom an order or payment on account may use.
public struct CustomerCredit: Sendable, Equatable {
    public var account: String
    public var creditLimit: Money
    /// Open amounts of the account's invoices.
    public var balance: Money
    /// Orders on account not invoiced yet.
    public var uninvoicedOrders: Money

    /// Credit limit − balance − uninvoiced orders on account; negative when the account is over its limit.
    public var headroom: Money {
        Money(minorUnits: creditLimit.minorUnits - balance.minorUnits - uninvoicedOrders.minorUnits, currency: creditLimit.currency)
    }

    public static func fetch(_ hq: any HQStoreTransaction, account: String) throws -> CustomerCredit? {
        guard let customer = try hq.accounts.customer(account: account) else { return nil }
        return CustomerCredit(
            account: account, creditLimit: customer.creditLimit,
            balance: Money(minorUnits: try hq.invoices.openBalanceMinor(customerAccount: account), currency: customer.currency),
            uninvoicedOrders: Money(
                minorUnits: try hq.salesOrders.uninvoicedOnAccountMinor(customerAccount: account),
                currency: customer.currency))
    }
}
