import Foundation
import GRDB
import RemitCore
import RemitSQLite
import RemitStore

/// A generated shop for the access properties (issue #11): organisations, member customers whose
/// invoice account is one of them (or an organisation the channel does not know yet), standalone
/// customers, one or two users each, and invoices on every account — the unknown organisation's too.
public struct GeneratedShop: Sendable {
    public var customers: [(account: String, invoiceAccount: String?)] = []
    public var users: [(login: String, account: String)] = []
    public var invoices: [(number: String, account: String)] = []
    /// The organisation customers name as their invoice account that is not a customer itself.
    public let unknownOrganisation: String

    /// The invoices `login` may reach: their own account's and their invoice account's.
    public func reachable(by login: String) -> Set<String> {
        guard let account = users.first(where: { $0.login == login })?.account,
            let customer = customers.first(where: { $0.account == account })
        else { return [] }
        let accounts = Set([customer.account] + (customer.invoiceAccount.map { [$0] } ?? []))
        return Set(invoices.filter { accounts.contains($0.account) }.map(\.number))
    }

    public static func generate(seed: UInt64) -> GeneratedShop {
        var rng = SeededRandom(seed: seed)
        func below(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var shop = GeneratedShop(unknownOrganisation: "G\(seed)-ORG-GONE")
        let organisations = (1...(2 + below(3))).map { "G\(seed)-ORG-\($0)" }
        for organisation in organisations { shop.customers.append((organisation, nil)) }
        for index in 1...(4 + below(6)) {
            let account = "G\(seed)-C-\(index)"
            let invoiceAccount: String? =
                switch below(4) {
                case 0: nil
                case 1: shop.unknownOrganisation  // named by HQ, not (yet) distributed
                default: organisations[below(organisations.count)]
                }
            shop.customers.append((account, invoiceAccount))
            for user in 1...(1 + below(2)) { shop.users.append(("g\(seed)-u\(index)-\(user)", account)) }
        }
        for account in shop.customers.map(\.account) + [shop.unknownOrganisation] {
            for index in 0..<(1 + below(7)) { shop.invoices.append(("\(account)-INV-\(index)", account)) }
        }
        return shop
    }

    /// The shop straight into a channel store — the unknown organisation's invoices too, without its
    /// customer, as when HQ distributed them before it — each user with `passwordHash` when given.
    /// Every invoice is 100.00 EUR: unpaid, unpaid, partly paid (40.00) or paid, in turn.
    public func insert(into db: Database, now: Date, today: CalendarDate, passwordHash: String? = nil) throws {
        for customer in customers {
            try ChannelCustomer(
                account: customer.account, name: "Customer \(customer.account)", email: "c@shop.example", currency: "EUR",
                invoiceAccount: customer.invoiceAccount, allowOnAccount: true, creditLimitMinor: 10_000_000, hqChangedAt: now
            ).insert(db)
        }
        for user in users {
            try ChannelUser(login: user.login, customerAccount: user.account, displayName: user.login, email: "u@shop.example")
                .insert(db)
            if let passwordHash { try ChannelCredential(login: user.login, passwordHash: passwordHash, updatedAt: now).insert(db) }
        }
        for (index, invoice) in invoices.enumerated() {
            let settled: Int64 = [0, 0, 4_000, 10_000][index % 4]
            try ChannelInvoice(
                number: invoice.number, customerAccount: invoice.account, invoiceDate: today.adding(days: -20),
                dueDate: today.adding(days: index % 30 - 15), discountLastDay: nil, discountMinor: 0, currency: .EUR,
                totalMinor: 10_000, settledMinor: settled, discountTakenMinor: 0,
                status: settled == 10_000 ? .paid : settled > 0 ? .partiallyPaid : .unpaid, hqChangedAt: now
            ).insert(db)
        }
    }
}
