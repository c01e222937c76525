import Foundation
import RemitCore
import RemitStore

/// A small HQ world the HQ contract tests share, written through the seam: payment terms, two
/// customers (one a member of the other), their users, two invoices and a product.
enum HQFixtures {
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    static let terms = PaymentTerms(code: "NET30-2/10", netDays: 30, cashDiscount: CashDiscount(basisPoints: 200, withinDays: 10))

    static func euros(_ cents: Int64) -> Money { Money(minorUnits: cents, currency: .EUR) }

    static func customer(_ account: String, invoiceAccount: String? = nil, at time: Date = t0) -> HQCustomer {
        HQCustomer(
            account: account, name: "Customer \(account)", email: "\(account.lowercased())@example.com", currency: .EUR,
            invoiceAccount: invoiceAccount, allowOnAccount: true, creditLimitMinor: 100_000, paymentTerms: terms.code, changedAt: time)
    }

    static func invoice(_ number: String, of account: String, total: Int64, settled: Int64 = 0, at time: Date = t0) -> HQInvoice {
        HQInvoice(
            number: number, customerAccount: account, invoiceDate: today.adding(days: -5), dueDate: today.adding(days: 25),
            discountLastDay: today.adding(days: 5), discountMinor: total / 50, currency: .EUR, totalMinor: total,
            settledMinor: settled, changedAt: time)
    }

    static func fill(_ hq: any HQStoreTransaction) throws {
        try hq.seed.insert(terms)
        try hq.accounts.insert(customer("ORG"))
        try hq.accounts.insert(customer("C-1", invoiceAccount: "ORG", at: t0.addingTimeInterval(1)))
        try hq.accounts.insert(HQUser(login: "bob", customerAccount: "C-1", displayName: "Bob", email: "bob@example.com"))
        try hq.accounts.insert(HQUser(login: "ada", customerAccount: "ORG", displayName: "Ada", email: "ada@example.com"))
        try hq.accounts.insert(HQUser(login: "cy", customerAccount: "ORG", displayName: "Cy", email: "cy@example.com"))
        try hq.seed.insertAll(
            [invoice("INV-1", of: "ORG", total: 30_000), invoice("INV-2", of: "C-1", total: 20_000, settled: 5_000)],
            lines: [
                HQInvoiceLine(invoiceNumber: "INV-1", lineNo: 1, description: "Copy paper", amountMinor: 10_000),
                HQInvoiceLine(invoiceNumber: "INV-1", lineNo: 2, description: "Drill bits", amountMinor: 20_000),
                HQInvoiceLine(invoiceNumber: "INV-2", lineNo: 1, description: "Cable ties", amountMinor: 20_000),
            ])
        try hq.products.insert(HQProduct(sku: "P-1", name: "Pallet", price: euros(1_250), changedAt: t0))
    }

    /// A payment of `amount` for `invoice` as P-0001 uploads it.
    static func payment(_ id: String, invoice: String?, amount: Int64) -> PaymentJournalLine {
        PaymentJournalLine(
            channelPaymentId: id, customerAccount: "ORG", invoiceNumber: invoice, amount: euros(amount), paidOn: today, tender: "card",
            uploadedAt: t0)
    }
}
