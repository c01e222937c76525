import Foundation
import RemitCore
import RemitStore

/// A small channel the contract tests fill through the seam: one customer with an organisation as
/// its invoice account, a user, and invoices in every state.
enum ChannelFixtures {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let today = CalendarDate(now)

    static func customer(_ account: String, invoiceAccount: String? = nil, creditLimitMinor: Int64 = 100_000) -> ChannelCustomer {
        ChannelCustomer(
            account: account, name: "Customer \(account)", email: "\(account)@example.com", currency: "EUR",
            invoiceAccount: invoiceAccount, allowOnAccount: true, creditLimitMinor: creditLimitMinor, hqChangedAt: now)
    }

    static func user(_ login: String, of account: String) -> ChannelUser {
        ChannelUser(login: login, customerAccount: account, displayName: login.capitalized, email: "\(login)@example.com")
    }

    /// An invoice of `totalMinor` EUR with `settledMinor` settled, due `dueInDays` from today.
    static func invoice(
        _ number: String, of account: String, totalMinor: Int64 = 10_000, settledMinor: Int64 = 0, dueInDays: Int = 30,
        changedAt: Date = now
    ) -> ChannelInvoice {
        let amounts = InvoiceAmounts(
            due: Money(minorUnits: totalMinor, currency: .EUR), settled: Money(minorUnits: settledMinor, currency: .EUR),
            discountTaken: .zero(.EUR))
        return ChannelInvoice(
            number: number, customerAccount: account, invoiceDate: today.adding(days: -10), dueDate: today.adding(days: dueInDays),
            discountLastDay: nil, discountMinor: 0, currency: .EUR, totalMinor: totalMinor, settledMinor: settledMinor,
            discountTakenMinor: 0, status: amounts.status, hqChangedAt: changedAt)
    }

    /// The customer `C-1` (invoice account `ORG`), its user `ada`, and four invoices: unpaid,
    /// partially paid, paid, and overdue; `ORG` has one unpaid invoice of its own.
    static func fill(_ channel: any ChannelStoreTransaction) throws {
        let updates = channel.channelUpdates
        _ = try updates.storeIfNewer(customer("ORG"))
        _ = try updates.storeIfNewer(customer("C-1", invoiceAccount: "ORG"))
        try updates.replaceUsers(ofCustomer: "C-1", with: [user("ada", of: "C-1")])
        for invoice in [
            invoice("INV-1", of: "C-1"),
            invoice("INV-2", of: "C-1", settledMinor: 4_000, dueInDays: 20),
            invoice("INV-3", of: "C-1", settledMinor: 10_000, dueInDays: 10),
            invoice("INV-4", of: "C-1", dueInDays: -5),
            invoice("ORG-1", of: "ORG", totalMinor: 50_000, dueInDays: 40),
        ] {
            _ = try updates.storeIfNewer(invoice)
        }
    }

    static func payment(_ id: String, invoice: String, minor: Int64, tender: String = "card") -> ChannelTransaction {
        ChannelTransaction(
            id: id, kind: .invoicePayment, customerAccount: "C-1", userLogin: "ada", invoiceNumber: invoice,
            amount: Money(minorUnits: minor, currency: .EUR), tender: tender, createdAt: now)
    }
}
