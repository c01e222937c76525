import Foundation
import RemitCore
import RemitStore

/// Writes the seed's payment terms, products, customers and users in one transaction, numbering
/// accounts and logins as it goes. Every random draw is the seed's, in the seed's order.
struct CustomerWriter {
    let hq: any HQStoreTransaction
    let currency: Currency
    let changedAt: Date
    private var number = 0

    init(hq: any HQStoreTransaction, currency: Currency, changedAt: Date) {
        self.hq = hq
        self.currency = currency
        self.changedAt = changedAt
    }

    /// The payment terms and 50 products.
    func insertCatalog(random: inout SeededRandom) throws {
        for terms in HQSeeder.terms {
            try hq.seed.insert(terms)
        }
        for index in 1...50 {
            try hq.products.insert(
                HQProduct(
                    sku: String(format: "P-%03d", index), name: "\(Names.products[index % Names.products.count]) \(index)",
                    price: Money(minorUnits: Int64.random(in: 500...50_000, using: &random), currency: currency),
                    changedAt: changedAt))
        }
    }

    /// `count` customer accounts: organizations with 2–4 member accounts, and standalone customers.
    mutating func insertCustomers(
        _ count: Int, random: inout SeededRandom, summary: inout HQSeeder.Summary
    ) throws -> [SeededAccount] {
        var accounts: [SeededAccount] = []
        while accounts.count < count {
            let terms = HQSeeder.terms[Int.random(in: 0..<HQSeeder.terms.count, using: &random)]
            let limit = Int64.random(in: 10...200, using: &random) * 100_000
            let onAccount = Int.random(in: 0..<10, using: &random) < 8
            let isOrganization = count - accounts.count >= 3 && Int.random(in: 0..<10, using: &random) < 3
            let account = nextAccount()
            if isOrganization {
                let name = Names.companies[Int.random(in: 0..<Names.companies.count, using: &random)] + " \(account)"
                try insertCustomer(
                    account, name: name, email: "ap@\(account.lowercased()).example", invoiceAccount: nil,
                    onAccount: onAccount, limit: limit, terms: terms)
                accounts.append(SeededAccount(number: account, terms: terms, organization: nil, isOrganization: true))
                summary.organizations += 1
                let members = min(Int.random(in: 2...4, using: &random), count - accounts.count)
                for _ in 0..<members {
                    accounts.append(
                        try insertMember(of: account, terms: terms, onAccount: onAccount, random: &random, summary: &summary))
                }
            } else {
                let person = Names.person(&random)
                try insertCustomer(
                    account, name: person, email: "\(account.lowercased())@buyers.example", invoiceAccount: nil,
                    onAccount: onAccount, limit: limit, terms: terms)
                accounts.append(SeededAccount(number: account, terms: terms, organization: nil, isOrganization: false))
                try addUser(account: account, person: person, summary: &summary)
                if !summary.demoLogins.contains(where: { $0.organization == nil }) {
                    summary.demoLogins.append((String(format: "user%05d", summary.users), account, nil))
                }
            }
        }
        return accounts
    }

    /// A member account of `organization`, invoiced to it, with a user of its own.
    private mutating func insertMember(
        of organization: String, terms: PaymentTerms, onAccount: Bool, random: inout SeededRandom,
        summary: inout HQSeeder.Summary
    ) throws -> SeededAccount {
        let member = nextAccount()
        let person = Names.person(&random)
        try insertCustomer(
            member, name: person, email: "\(member.lowercased())@buyers.example", invoiceAccount: organization,
            onAccount: onAccount, limit: 0, terms: terms)
        try addUser(account: member, person: person, summary: &summary)
        if summary.demoLogins.filter({ $0.organization != nil }).count < 2 {
            summary.demoLogins.append((String(format: "user%05d", summary.users), member, organization))
        }
        return SeededAccount(number: member, terms: terms, organization: organization, isOrganization: false)
    }

    private mutating func nextAccount() -> String {
        number += 1
        return String(format: "C%06d", number)
    }

    private func insertCustomer(
        _ account: String, name: String, email: String, invoiceAccount: String?, onAccount: Bool, limit: Int64,
        terms: PaymentTerms
    ) throws {
        try hq.accounts.insert(
            HQCustomer(
                account: account, name: name, email: email, currency: currency, invoiceAccount: invoiceAccount,
                allowOnAccount: onAccount, creditLimitMinor: limit, paymentTerms: terms.code, changedAt: changedAt,
                address: Self.address(of: account)))
    }

    /// A made-up address for a seeded account, the same for the same account.
    static func address(of account: String) -> String {
        let number = Int(account.filter(\.isNumber)) ?? 0
        let streets = ["Handelsweg", "Havenstraat", "Industrieweg", "Keizersgracht", "Molenstraat", "Stationsplein"]
        let cities = ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen", "Zwolle", "'s-Hertogenbosch"]
        return
            "\(streets[number % streets.count]) \(number % 300 + 1)\n\(1000 + number * 37 % 8999) \(["AB", "CD", "EK", "LN"][number % 4]) \(cities[number % cities.count])\nNetherlands"
    }

    private func addUser(account: String, person: String, summary: inout HQSeeder.Summary) throws {
        summary.users += 1
        let login = String(format: "user%05d", summary.users)
        try hq.accounts.insert(HQUser(login: login, customerAccount: account, displayName: person, email: "\(login)@buyers.example"))
    }
}
