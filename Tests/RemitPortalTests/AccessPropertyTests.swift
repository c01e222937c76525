import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// A generated shop (issue #11): organisations, member customers whose invoice account is one of
/// them (or an organisation the channel does not know), standalone customers, one or two users each,
/// invoices of every status on every account. For every user, the invoices reachable through the
/// API's list (every page), the API's detail, the detail page, Pay invoice and Request invoice are
/// exactly those of their own account and of their invoice account — and nothing is published for
/// any other.
@Suite("Portal: who reaches which invoice, over generated shops", .serialized)
struct AccessPropertyTests {
    func add(_ shop: GeneratedShop, to world: PortalWorld) async throws {
        let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash(PortalWorld.password)
        let now = world.clock.now()
        try await world.store.pool.write { try shop.insert(into: $0, now: now, today: PortalWorld.today, passwordHash: hash) }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func everyUserReachesExactlyTheirOwnAndTheirInvoiceAccountsInvoices(seed: UInt64) async throws {
        let shop = GeneratedShop.generate(seed: seed)
        try await PortalWorld.with { world in
            try await add(shop, to: world)
            try await world.test { client in
                let allNumbers = Set(shop.invoices.map(\.number))
                for user in shop.users {
                    let expected = shop.reachable(by: user.login)
                    let browser = Browser(client)
                    // One session serves the API and the pages.
                    let token = try await browser.apiSignIn(user.login)

                    // The list, every page, every status.
                    var listed: [String] = []
                    var page = 1
                    while true {
                        let answer = try await browser.api(.get, "/api/v1/invoices?page=\(page)")
                        #expect(answer.status == .ok, "\(user.login) page \(page)")
                        let invoices = answer.object["invoices"] as? [[String: Any]] ?? []
                        listed += invoices.compactMap { $0["number"] as? String }
                        guard page < (answer.object["pageCount"] as? Int ?? 0) else { break }
                        page += 1
                    }
                    #expect(Set(listed).intersection(allNumbers) == expected, "\(user.login): the list")
                    #expect(listed.count == Set(listed).count, "\(user.login): each invoice once")

                    // Detail (API and page), Pay invoice and Request invoice on every generated invoice.
                    for invoice in shop.invoices {
                        let mine = expected.contains(invoice.number)
                        let detail = try await browser.api(.get, "/api/v1/invoices/\(invoice.number)")
                        #expect(detail.status == (mine ? .ok : .notFound), "\(user.login) API detail \(invoice.number)")
                        let page = try await browser.get("/invoices/\(invoice.number)")
                        #expect(page.status == (mine ? .ok : .notFound), "\(user.login) page \(invoice.number)")
                        guard !mine else { continue }
                        let before = world.publisher.published.count
                        let pay = try await browser.api(
                            .post, "/api/v1/invoices/\(invoice.number)/pay", json: #"{"amount": "1.00"}"#, csrf: token)
                        let request = try await browser.api(.post, "/api/v1/invoices/\(invoice.number)/request", csrf: token)
                        #expect(pay.status == .notFound && request.status == .notFound, "\(user.login) commands on \(invoice.number)")
                        #expect(world.publisher.published.count == before, "nothing published for \(invoice.number)")
                    }
                    // And one of their own is reachable for the commands too (the property is not vacuous).
                    if let own = expected.sorted().first {
                        let request = try await browser.api(.post, "/api/v1/invoices/\(own)/request", csrf: token)
                        #expect(request.status == .accepted, "\(user.login) requests their own \(own)")
                    }
                }
                #expect(shop.users.contains { !shop.reachable(by: $0.login).isEmpty }, "the generated shop has reachable invoices")
            }
        }
    }
}
