import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
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

    public static func fetch(_ db: Database, account: String) throws -> CustomerCredit? {
        guard let customer = try HQCustomer.find(db, account: account) else { return nil }
        return CustomerCredit(
            account: account, creditLimit: customer.creditLimit,
            balance: Money(minorUnits: try HQInvoice.openBalanceMinor(db, customerAccount: account), currency: customer.currency),
            uninvoicedOrders: Money(
                minorUnits: try SalesOrder.uninvoicedOnAccountMinor(db, customerAccount: account),
                currency: customer.currency))
    }
}
