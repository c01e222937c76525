import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitMessages
import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// For each kind of user — an organisation member with an invoice account (`mem`), a standalone
/// customer (`solo`), a member account without an invoice account (`mate`) — every invoice of
/// another account is out of reach through the list, the detail page, Pay invoice, Request invoice
/// and the JSON API: the same 404 as a number that does not exist, also for guessed variants of
/// real numbers; and nothing is published for it.
@Suite("Portal: the access matrix", .serialized)
struct AccessMatrixTests {
    static let users = ["mem", "solo", "mate"]

    /// Numbers a curious user might try: other spellings of real invoices, and none at all.
    static let guesses = [
        "t-solo-001", "T-SOLO-001 ", " T-SOLO-001", "T-SOLO-00", "T-SOLO-001%00", "..%2FT-SOLO-001", "T-SOLO-001%2F",
        "%25", "*", "T-ORG-001'--", "T-MEM-001\" OR 1=1", "NOPE-1", String(repeating: "9", count: 300),
    ]

    @Test(arguments: users)
    func anotherAccountsInvoiceIsNotFoundEverywhere(login: String) async throws {
        try await PortalWorld.with { world in
            let reachable = world.reachable(by: login)
            let foreign = world.allInvoices.subtracting(reachable)
            #expect(!reachable.isEmpty && !foreign.isEmpty)
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn(login)
                let (rows, _) = try await allInvoiceRows(browser, "/invoices")
                #expect(Set(rows) == reachable && rows.count == reachable.count, "the list: exactly the user's")
                for account in ["T-ORG", "T-MEM", "T-SOLO", "T-MATE", "T-NONE"] {
                    let filtered = try await browser.get("/invoices?account=\(account)")
                    #expect(Set(filtered.html.invoiceRows).isSubset(of: reachable), "\(login) filtering by \(account)")
                }
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                for number in reachable.sorted().prefix(3) {
                    #expect(try await browser.get("/invoices/\(number)").status == .ok, "\(login) reaches \(number)")
                    #expect(try await browser.get("/invoices/\(number).pdf").status == .ok, "\(login) downloads \(number)")
                }
                for number in foreign.sorted() {
                    #expect(try await browser.get("/invoices/\(number)").status == .notFound, "\(login): detail of \(number)")
                    #expect(try await browser.get("/invoices/\(number).pdf").status == .notFound, "\(login): PDF of \(number)")
                    #expect(try await browser.get("/invoices?number=\(number)").html.invoiceRows.isEmpty)
                    let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", number), ("amount", "1.00")])
                    #expect(pay.status == .notFound, "\(login): pay \(number)")
                    let request = try await browser.post("/requests", [("csrf", token), ("invoice", number)])
                    #expect(request.status == .notFound, "\(login): request \(number)")
                }
                for guess in Self.guesses {
                    let detail = try await browser.get("/invoices/\(guess.replacingOccurrences(of: " ", with: "%20"))")
                    #expect(detail.status == .notFound, "\(login): detail of \(guess)")
                    let pdf = try await browser.get("/invoices/\(guess.replacingOccurrences(of: " ", with: "%20")).pdf")
                    #expect(pdf.status == .notFound, "\(login): PDF of \(guess)")
                    let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", guess)])
                    #expect(pay.status == .notFound, "\(login): pay \(guess)")
                    let request = try await browser.post("/requests", [("csrf", token), ("invoice", guess)])
                    #expect(request.status == .notFound, "\(login): request \(guess)")
                }
                // The API, with a session of its own.
                let api = Browser(client)
                let apiToken = try await api.apiSignIn(login)
                var listed: [String] = []
                var page = 1
                var pageCount = 1
                repeat {
                    let answer = try await api.api(.get, "/api/v1/invoices?page=\(page)")
                    #expect(answer.status == .ok)
                    listed += ((answer.object["invoices"] as? [[String: Any]]) ?? []).compactMap { $0["number"] as? String }
                    pageCount = answer.object["pageCount"] as? Int ?? 0
                    page += 1
                } while page <= pageCount && page < 10
                #expect(Set(listed) == reachable && listed.count == reachable.count, "the API's list: exactly the user's")
                let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
                for number in foreign.sorted() + Self.guesses {
                    let path = "/api/v1/invoices/\(number.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
                    #expect(try await api.api(.get, path).status == .notFound, "\(login): API detail of \(number)")
                    #expect(try await api.api(.get, path + ".pdf").status == .notFound, "\(login): API PDF of \(number)")
                    #expect(try await api.api(.post, path + "/pay", csrf: apiToken).status == .notFound, "\(login): API pay \(number)")
                    #expect(
                        try await api.api(.post, path + "/request", csrf: apiToken).status == .notFound, "\(login): API request \(number)")
                }
            }
            #expect(world.publisher.published.isEmpty, "nothing was published for an invoice out of reach")
        }
    }
}
