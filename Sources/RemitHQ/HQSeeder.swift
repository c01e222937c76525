import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// Generates a deterministic back-office world: payment terms with and without cash discounts,
/// products, organizations with several users whose invoice account is the organization,
/// standalone customers, and invoices across every status and due date (some overdue).
/// The same seed, counts and day give the same world.
public struct HQSeeder: Sendable {
    public struct Plan: Sendable {
        public var customers: Int
        public var invoices: Int
        public var seed: UInt64
        public var currency: Currency

        public init(customers: Int = 50, invoices: Int = 200, seed: UInt64 = 1, currency: Currency = .EUR) {
            self.customers = customers
            self.invoices = invoices
            self.seed = seed
            self.currency = currency
        }
    }

    public struct Summary: Sendable, Equatable {
        public var customers = 0
        public var organizations = 0
        public var users = 0
        public var invoices = 0
        public var invoiceLines = 0
        public var byStatus: [InvoicePaymentStatus: Int] = [:]
        public var overdue = 0
        /// A few logins to try, with the organization they belong to, if any.
        public var demoLogins: [(login: String, customer: String, organization: String?)] = []

        public static func == (lhs: Summary, rhs: Summary) -> Bool {
            lhs.customers == rhs.customers && lhs.organizations == rhs.organizations && lhs.users == rhs.users
                && lhs.invoices == rhs.invoices && lhs.byStatus == rhs.byStatus && lhs.overdue == rhs.overdue
        }
    }

    /// The password the seed gives its users (a demo world, not a secret); see `UserCredentials`.
    public static let demoPassword = "remit-demo"

    public static let terms: [PaymentTerms] = [
        PaymentTerms(code: "NET14", netDays: 14),
        PaymentTerms(code: "NET30", netDays: 30),
        PaymentTerms(code: "NET30-2/10", netDays: 30, cashDiscount: CashDiscount(basisPoints: 200, withinDays: 10)),
        PaymentTerms(code: "NET60-3/14", netDays: 60, cashDiscount: CashDiscount(basisPoints: 300, withinDays: 14)),
    ]

    let store: any HQStoreBackend
    let today: CalendarDate

    public init(store: any HQStoreBackend, today: CalendarDate) {
        self.store = store
        self.today = today
    }

    /// Writes the world into an empty HQ store; `progress` is called with (invoices written, total).
    @discardableResult
    public func seed(_ plan: Plan, progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        guard plan.customers >= 1, plan.invoices >= 0 else { throw HQError.invalid("need at least one customer") }
        let existing = try store.readHQ { hq in try hq.accounts.customerCount() }
        guard existing == 0 else {
            throw HQError.invalid("the HQ store already has \(existing) customers; seed into an empty data directory")
        }
        var random = SeededRandom(seed: plan.seed)
        var summary = Summary()
        let changedAt = Date(timeIntervalSince1970: Double(today.daysSinceEpoch) * 86_400)
        let accounts = try store.writeHQ { hq in
            var writer = CustomerWriter(hq: hq, currency: plan.currency, changedAt: changedAt)
            try writer.insertCatalog(random: &random)
            return try writer.insertCustomers(plan.customers, random: &random, summary: &summary)
        }
        summary.customers = accounts.count
        try seedInvoices(plan, accounts: accounts, changedAt: changedAt, random: &random, summary: &summary, progress: progress)
        return summary
    }

    /// Invoices, in chunks so a million of them stream through bounded memory, the store loading in
    /// bulk meanwhile (`HQStoreBackend.loadingInBulk`).
    private func seedInvoices(
        _ plan: Plan, accounts: [SeededAccount], changedAt: Date, random: inout SeededRandom, summary: inout Summary,
        progress: (Int, Int) -> Void
    ) throws {
        try store.loadingInBulk {
            try writeInvoices(plan, accounts: accounts, changedAt: changedAt, random: &random, summary: &summary, progress: progress)
        }
    }

    private func writeInvoices(
        _ plan: Plan, accounts: [SeededAccount], changedAt: Date, random: inout SeededRandom, summary: inout Summary,
        progress: (Int, Int) -> Void
    ) throws {
        let chunk = 10_000
        var written = 0
        progress(0, plan.invoices)
        while written < plan.invoices {
            let count = min(chunk, plan.invoices - written)
            var invoices: [HQInvoice] = []
            var invoiceLines: [HQInvoiceLine] = []
            invoices.reserveCapacity(count)
            invoiceLines.reserveCapacity(count * 3)
            for offset in 0..<count {
                let account = accounts[Int.random(in: 0..<accounts.count, using: &random)]
                let number = "INV-" + Self.zeroPadded(written + offset + 1, to: 7)
                let (invoice, lines) = makeInvoice(
                    number, for: account, currency: plan.currency, changedAt: changedAt, random: &random, summary: &summary)
                invoices.append(invoice)
                invoiceLines += lines
            }
            try store.writeHQ { hq in try hq.seed.insertAll(invoices, lines: invoiceLines) }
            written += count
            progress(written, plan.invoices)
        }
        summary.invoices = written
    }

    /// One invoice of `account`'s with one to three lines, unpaid, partially paid or paid (with the
    /// discount when it was paid in its window).
    private func makeInvoice(
        _ number: String, for account: SeededAccount, currency: Currency, changedAt: Date, random: inout SeededRandom,
        summary: inout Summary
    ) -> (HQInvoice, [HQInvoiceLine]) {
        let invoiced = today.adding(days: -Int.random(in: 0...120, using: &random))
        let due = account.terms.dueDate(invoicedOn: invoiced)
        let lines = (0..<Int.random(in: 1...3, using: &random)).map { _ in
            (
                Int64.random(in: 1_000...200_000, using: &random),
                "\(Names.products[Int.random(in: 0..<Names.products.count, using: &random)]) delivery"
            )
        }
        let total = lines.reduce(0) { $0 + $1.0 }
        let money = Money(minorUnits: total, currency: currency)
        let discount = account.terms.cashDiscount.map { $0.amount(of: money).minorUnits } ?? 0
        let lastDay = account.terms.cashDiscount?.lastDay(invoicedOn: invoiced)
        var amounts = InvoiceAmounts(due: money)
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<4: break  // unpaid
        case 4..<6:  // partially paid
            amounts.settled = Money(minorUnits: total * Int64.random(in: 10...90, using: &random) / 100, currency: currency)
        default:  // paid, with the discount when it was paid in its window
            if let lastDay, discount > 0, Bool.random(using: &random), lastDay <= today {
                amounts.discountTaken = Money(minorUnits: discount, currency: currency)
            }
            amounts.settled = Money(minorUnits: total - amounts.discountTaken.minorUnits, currency: currency)
        }
        summary.byStatus[amounts.status, default: 0] += 1
        if amounts.isOverdue(dueDate: due, today: today) { summary.overdue += 1 }
        summary.invoiceLines += lines.count
        let invoice = HQInvoice(
            number: number, customerAccount: account.number, invoiceDate: invoiced, dueDate: due,
            discountLastDay: lastDay, discountMinor: discount, currency: currency, totalMinor: total,
            settledMinor: amounts.settled.minorUnits, discountTakenMinor: amounts.discountTaken.minorUnits, changedAt: changedAt)
        let invoiceLines = lines.enumerated().map { index, line in
            HQInvoiceLine(invoiceNumber: number, lineNo: index + 1, description: line.1, amountMinor: line.0)
        }
        return (invoice, invoiceLines)
    }
}

extension HQSeeder {
    /// `value` in decimal with leading zeros to `width` digits (`String(format: "%07d")` without
    /// Foundation's formatter, which was a tenth of the seed's time).
    static func zeroPadded(_ value: Int, to width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
