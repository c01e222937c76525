import GRDB
import RemitCore

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
        guard let customer = try Row.fetchOne(db, sql: "SELECT credit_limit_minor, currency FROM customer WHERE account = ?",
                                              arguments: [account]) else { return nil }
        let currency = try Currency(customer["currency"] as String)
        let balance = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(MAX(total_minor - settled_minor - discount_taken_minor, 0)), 0) FROM invoice WHERE customer_account = ?
            """, arguments: [account]) ?? 0
        let orders = try Int64.fetchOne(db, sql: """
            SELECT COALESCE(SUM(total_minor), 0) FROM sales_order WHERE customer_account = ? AND on_account AND status != 'invoiced'
            """, arguments: [account]) ?? 0
        return CustomerCredit(account: account, creditLimit: Money(minorUnits: customer["credit_limit_minor"], currency: currency),
                              balance: Money(minorUnits: balance, currency: currency),
                              uninvoicedOrders: Money(minorUnits: orders, currency: currency))
    }
}
