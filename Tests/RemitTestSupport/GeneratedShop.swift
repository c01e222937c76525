/// SplitMix64: a small seeded generator, so a generated case that fails names its seed and repeats.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
        var rng = SplitMix64(state: seed)
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
}
