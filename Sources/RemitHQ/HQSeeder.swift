import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
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

    let store: HQStore
    let today: CalendarDate

    public init(store: HQStore, today: CalendarDate) {
        self.store = store
        self.today = today
    }

    /// Writes the world into an empty HQ store; `progress` is called with (invoices written, total).
    @discardableResult
    public func seed(_ plan: Plan, progress: @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        guard plan.customers >= 1, plan.invoices >= 0 else { throw HQError.invalid("need at least one customer") }
        let existing = try store.pool.read { try HQCustomer.count($0) }
        guard existing == 0 else {
            throw HQError.invalid("the HQ store already has \(existing) customers; seed into an empty data directory")
        }
        var random = SeededRandom(seed: plan.seed)
        var summary = Summary()
        let currency = plan.currency
        let changedAt = Date(timeIntervalSince1970: Double(today.daysSinceEpoch) * 86_400)

        // Customers: organizations with 2–4 member accounts, and standalone customers.
        struct Account { let number: String; let terms: PaymentTerms; let organization: String?; let isOrganization: Bool }
        var accounts: [Account] = []
        try store.pool.write { db in
            for terms in Self.terms {
                try HQPaymentTerms(terms).insert(db)
            }
            for index in 1...50 {
                try HQProduct(
                    sku: String(format: "P-%03d", index), name: "\(Names.products[index % Names.products.count]) \(index)",
                    price: Money(minorUnits: Int64.random(in: 500...50_000, using: &random), currency: currency),
                    changedAt: changedAt
                ).insert(db)
            }
            func insertCustomer(
                _ account: String, name: String, email: String, invoiceAccount: String?, onAccount: Bool,
                limit: Int64, terms: PaymentTerms
            ) throws {
                try HQCustomer(
                    account: account, name: name, email: email, currency: currency, invoiceAccount: invoiceAccount,
                    allowOnAccount: onAccount, creditLimitMinor: limit, paymentTerms: terms.code, changedAt: changedAt
                )
                .insert(db)
            }
            var number = 0
            func nextAccount() -> String { number += 1; return String(format: "C%06d", number) }
            func addUser(account: String, person: String) throws {
                summary.users += 1
                let login = String(format: "user%05d", summary.users)
                try HQUser(login: login, customerAccount: account, displayName: person, email: "\(login)@buyers.example").insert(db)
            }
            while accounts.count < plan.customers {
                let terms = Self.terms[Int.random(in: 0..<Self.terms.count, using: &random)]
                let limit = Int64.random(in: 10...200, using: &random) * 100_000
                let onAccount = Int.random(in: 0..<10, using: &random) < 8
                let isOrganization = plan.customers - accounts.count >= 3 && Int.random(in: 0..<10, using: &random) < 3
                let account = nextAccount()
                if isOrganization {
                    let name = Names.companies[Int.random(in: 0..<Names.companies.count, using: &random)] + " \(account)"
                    try insertCustomer(
                        account, name: name, email: "ap@\(account.lowercased()).example", invoiceAccount: nil,
                        onAccount: onAccount, limit: limit, terms: terms)
                    accounts.append(Account(number: account, terms: terms, organization: nil, isOrganization: true))
                    summary.organizations += 1
                    let members = min(Int.random(in: 2...4, using: &random), plan.customers - accounts.count)
                    for _ in 0..<members {
                        let member = nextAccount()
                        let person = Names.person(&random)
                        try insertCustomer(
                            member, name: person, email: "\(member.lowercased())@buyers.example", invoiceAccount: account,
                            onAccount: onAccount, limit: 0, terms: terms)
                        accounts.append(Account(number: member, terms: terms, organization: account, isOrganization: false))
                        try addUser(account: member, person: person)
                        if summary.demoLogins.filter({ $0.organization != nil }).count < 2 {
                            summary.demoLogins.append((String(format: "user%05d", summary.users), member, account))
                        }
                    }
                } else {
                    let person = Names.person(&random)
                    try insertCustomer(
                        account, name: person, email: "\(account.lowercased())@buyers.example", invoiceAccount: nil,
                        onAccount: onAccount, limit: limit, terms: terms)
                    accounts.append(Account(number: account, terms: terms, organization: nil, isOrganization: false))
                    try addUser(account: account, person: person)
                    if !summary.demoLogins.contains(where: { $0.organization == nil }) {
                        summary.demoLogins.append((String(format: "user%05d", summary.users), account, nil))
                    }
                }
            }
            summary.customers = accounts.count
        }

        // Invoices, in chunks so a million of them stream through bounded memory. While they are
        // written, the writer keeps 64 MB of pages in memory (SQLite's default is 2 MB) and
        // checkpoints the WAL every 64 MB rather than every 4 MB: the account index takes rows in
        // random order, and each of its pages would otherwise be read and written again and again.
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384")
        }
        defer {
            try? store.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA cache_size = -2000; PRAGMA wal_autocheckpoint = 1000")
            }
        }
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
                let invoiced = today.adding(days: -Int.random(in: 0...120, using: &random))
                let due = account.terms.dueDate(invoicedOn: invoiced)
                let lines = (0..<Int.random(in: 1...3, using: &random)).map { _ in
                    (
                        Int64.random(in: 1_000...200_000, using: &random),
                        "\(Names.products[Int.random(in: 0..<Names.products.count, using: &random)]) delivery"
                    )
                }
                let total = lines.reduce(0) { $0 + $1.0 }
                let money = Money(minorUnits: total, currency: plan.currency)
                let discount = account.terms.cashDiscount.map { $0.amount(of: money).minorUnits } ?? 0
                let lastDay = account.terms.cashDiscount?.lastDay(invoicedOn: invoiced)
                var amounts = InvoiceAmounts(due: money)
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<4: break  // unpaid
                case 4..<6:  // partially paid
                    amounts.settled = Money(
                        minorUnits: total * Int64.random(in: 10...90, using: &random) / 100, currency: plan.currency)
                default:  // paid, with the discount when it was paid in its window
                    if let lastDay, discount > 0, Bool.random(using: &random), lastDay <= today {
                        amounts.discountTaken = Money(minorUnits: discount, currency: plan.currency)
                    }
                    amounts.settled = Money(minorUnits: total - amounts.discountTaken.minorUnits, currency: plan.currency)
                }
                summary.byStatus[amounts.status, default: 0] += 1
                if amounts.isOverdue(dueDate: due, today: today) { summary.overdue += 1 }
                summary.invoiceLines += lines.count
                invoices.append(
                    HQInvoice(
                        number: number, customerAccount: account.number, invoiceDate: invoiced, dueDate: due,
                        discountLastDay: lastDay, discountMinor: discount, currency: currency, totalMinor: total,
                        settledMinor: amounts.settled.minorUnits, discountTakenMinor: amounts.discountTaken.minorUnits,
                        changedAt: changedAt))
                for (index, line) in lines.enumerated() {
                    invoiceLines.append(
                        HQInvoiceLine(invoiceNumber: number, lineNo: index + 1, description: line.1, amountMinor: line.0))
                }
            }
            try store.pool.write { db in
                try HQInvoice.insertAll(invoices, db)
                try HQInvoiceLine.insertAll(invoiceLines, db)
            }
            written += count
            progress(written, plan.invoices)
        }
        summary.invoices = written
        return summary
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

public enum HQError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let text): return text
        }
    }
}

enum Names {
    static let first = [
        "Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Greta", "Hugo", "Ilse", "Jonas", "Kim", "Lotte",
        "Milan", "Noor", "Otto", "Pien", "Quinten", "Roos", "Sem", "Tess",
    ]
    static let last = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos", "Vos"]
    static let companies = [
        "Noorderlicht Supplies", "Delta Hardware", "Polder Office", "Kade Logistics", "Molen Foods",
        "Tulip Technics", "Dijk Building", "Grachten Print",
    ]
    static let products = [
        "Pallet racking", "Safety gloves", "Copy paper", "Drill bits", "Cable ties", "Coffee beans",
        "LED panels", "Packing tape",
    ]

    static func person(_ random: inout SeededRandom) -> String {
        "\(first[Int.random(in: 0..<first.count, using: &random)]) \(last[Int.random(in: 0..<last.count, using: &random)])"
    }
}
