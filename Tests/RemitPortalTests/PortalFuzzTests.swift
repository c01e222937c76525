import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// The portal and its JSON API under hostile input (issue #11): fuzzed forms and JSON bodies,
/// oversize requests, bad cookies and posts without or with a wrong CSRF token. Every answer is a
/// 2xx/3xx/4xx, never a 5xx; nothing is published to the broker and nothing in the store changes;
/// and the portal still serves the signed-in buyer afterwards.
@Suite("Portal: fuzzed forms, JSON, cookies, sizes and CSRF — never a 5xx, never a change", .serialized)
struct PortalFuzzTests {
    /// Values no buyer's real invoice, line, amount or tender is: injection and markup strings,
    /// broken encodings, numbers that are not amounts, near-limits.
    static let hostile: [String] = [
        "", " ", "'", "\"", "' OR '1'='1", "'; DROP TABLE channel_invoice; --", "1; DELETE FROM cart_line", "{{csrf}}",
        "{{{body}}}", "{{> partial}}", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "%s%n", "%00", "%zz", "%ff%fe",
        "\u{0}", "\u{202E}evil", "../../etc/passwd", "..%2F..%2F", "NaN", "Infinity", "-1", "0", "-0.01", "1e309",
        "1.001", "99999999999999999999.99", "0x10", "１.００", "null", "[]", "{}", "true", String(repeating: "x", count: 129),
        String(repeating: "9", count: 5_000), "T-MEM-001\r\nX-Injected: 1", "NOPE-1", "\u{1F600}", "\u{FEFF}",
    ]

    static func pick<T>(_ items: [T], _ rng: inout SeededRandom) -> T { items[Int(rng.next() % UInt64(items.count))] }

    /// What a request could change: the rows the portal's pages and commands touch.
    func digest(_ world: PortalWorld) async throws -> String {
        try await world.store.pool.read { db in
            var parts: [String] = []
            for table in [
                "channel_invoice", "channel_transaction", "command_outcome", "cart", "cart_line", "b2b_request", "channel_credential",
                "channel_user", "channel_customer",
            ] {
                parts.append("\(table)=\(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1)")
            }
            parts.append(
                try String.fetchAll(db, sql: "SELECT number || ':' || settled_minor || ':' || status FROM channel_invoice ORDER BY number")
                    .joined(separator: ","))
            parts.append(
                try String.fetchAll(db, sql: "SELECT login || ':' || password_hash FROM channel_credential ORDER BY login").joined())
            return parts.joined(separator: "|")
        }
    }

    /// A raw request through the test client, with the given cookie header (or none).
    func raw(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, body: String? = nil,
        contentType: String? = nil, cookie: String? = nil, extra: [(String, String)] = []
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let cookie { headers[.cookie] = cookie }
        for (name, value) in extra { if let field = HTTPField.Name(name) { headers[field] = value } }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func form(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    @Test func hostileRequestsAreAnsweredWithoutA5xxAndChangeNothing() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let before = try await digest(world)
                var rng = SeededRandom(seed: 11)
                var statuses: [Int: Int] = [:]
                var failures: [String] = []
                var publishedBefore = 0
                func check(_ what: String, _ response: TestResponse, allowed: ClosedRange<Int> = 200...499) {
                    statuses[response.status.code, default: 0] += 1
                    let published = world.publisher.published
                    if let last = published.last, published.count > publishedBefore {
                        failures.append(
                            "\(what) → \(response.status.code) published \(last.routingKey): \(String(decoding: last.body, as: UTF8.self).suffix(120))"
                        )
                        publishedBefore = published.count
                    }
                    if !allowed.contains(response.status.code) {
                        failures.append("\(what) → \(response.status.code) \(String(buffer: response.body).prefix(200))")
                    }
                }

                // The buyer, signed in to the pages and (another session) to the API.
                let browser = Browser(client)
                #expect(try await browser.signIn("mem", PortalWorld.password).status == .seeOther)
                let csrf = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                let session = browser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
                let apiBrowser = Browser(client)
                let token = try await apiBrowser.apiSignIn("mem")
                let apiSession = apiBrowser.cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
                let hostile = Self.hostile
                let forms: [(String, [String])] = [
                    ("/cart/invoices", ["invoice", "amount"]), ("/requests", ["invoice"]),
                    ("/cart/lines/update", ["line", "amount", "quantity"]), ("/cart/lines/remove", ["line"]),
                    ("/cart/checkout", ["tender", "cardAuthorization"]),
                ]

                // 1. Forms with the right token and hostile values (no value names anything real).
                for _ in 0..<1_200 {
                    let (path, names) = Self.pick(forms, &rng)
                    var fields = [("csrf", csrf)]
                    for name in names where rng.next() % 5 != 0 { fields.append((name, Self.pick(hostile, &rng))) }
                    if rng.next() % 7 == 0 { fields.append((Self.pick(hostile, &rng), Self.pick(hostile, &rng))) }
                    if rng.next() % 11 == 0 { fields.append(fields[Int(rng.next() % UInt64(fields.count))]) }
                    let body = rng.next() % 13 == 0 ? Self.form(fields) + "&%zz=%ff%fe&=&&" : Self.form(fields)
                    check(
                        "form \(path) \(body.prefix(120))",
                        try await raw(client, .post, path, body: body, contentType: "application/x-www-form-urlencoded", cookie: session))
                }

                // 2. The same forms with valid values but no token, a wrong one, or another session's.
                let valid: [String: String] = [
                    "invoice": "T-MEM-001", "amount": "1.00", "line": "L-1", "quantity": "1", "tender": "card",
                    "cardAuthorization": "psp-1",
                ]
                for index in 0..<600 {
                    let (path, names) = Self.pick(forms, &rng)
                    var fields = names.map { ($0, valid[$0]!) }
                    switch index % 4 {
                    case 0: break
                    case 1: fields.append(("csrf", String(csrf.reversed())))
                    case 2: fields.append(("csrf", token))  // the API session's token, on the page session
                    default: fields.append(("csrf", Self.pick(hostile, &rng)))
                    }
                    check(
                        "no-csrf form \(path) #\(index)",
                        try await raw(
                            client, .post, path, body: Self.form(fields), contentType: "application/x-www-form-urlencoded",
                            cookie: session), allowed: 400...499)
                }

                // 3. Bad cookies on pages, the API and posts that carry a right-looking token.
                let cookies = [
                    "", "remit_session=", "remit_session=\(String(repeating: "A", count: 8_000))", "remit_session=../../x",
                    "remit_session=%00%ff", "remit_session=\u{202E}x", "a=b; remit_session=1; remit_session=2", ";;;;",
                    "remit_session=\(UUID().uuidString)", String(repeating: "c=1; ", count: 2_000),
                ]
                for cookie in cookies {
                    for path in ["/invoices", "/cart", "/requests", "/invoices/T-MEM-001", "/commands/x"] {
                        check(
                            "cookie \(cookie.prefix(40)) GET \(path)", try await raw(client, .get, path, cookie: cookie), allowed: 300...499
                        )
                    }
                    check(
                        "cookie \(cookie.prefix(40)) API",
                        try await raw(client, .get, "/api/v1/account", cookie: cookie, extra: [("Accept", "application/json")]),
                        allowed: 400...499)
                    for (path, names) in forms {
                        let body = Self.form(names.map { ($0, valid[$0]!) } + [("csrf", csrf)])
                        check(
                            "cookie \(cookie.prefix(40)) POST \(path)",
                            try await raw(
                                client, .post, path, body: body, contentType: "application/x-www-form-urlencoded", cookie: cookie),
                            allowed: 300...499)
                    }
                }

                // 4. JSON bodies: wrong types, broken JSON, deep nesting, hostile strings. Paying with
                // no amount pays the proposed one, so every pay body carries a wrong amount.
                func json(_ value: String) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }
                let broken = [
                    #"{"amount": "1.00""#, "[", "", "null", "[]", "\"text\"", "{,}", "{\"a\":}",
                    String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000),
                ]
                let wrongAmounts = [#"7"#, #"1.5"#, #"true"#, #"[]"#, #"{}"#, #"{"amount": "1.00"}"#]
                for _ in 0..<800 {
                    let target = rng.next() % 4
                    let brokenBody = rng.next() % 5 == 0 ? Self.pick(broken, &rng) : nil
                    let (method, path, body): (HTTPRequest.Method, String, String)
                    switch target {
                    case 0:
                        let amount = rng.next() % 3 == 0 ? Self.pick(wrongAmounts, &rng) : try json(Self.pick(hostile, &rng))
                        (method, path, body) = (.post, "/api/v1/invoices/T-MEM-001/pay", brokenBody ?? #"{"amount": \#(amount)}"#)
                    case 1:
                        let value = rng.next() % 2 == 0 ? try json(Self.pick(hostile, &rng)) : Self.pick(wrongAmounts, &rng)
                        (method, path, body) = (
                            .patch, "/api/v1/cart/lines/L-1", brokenBody ?? #"{"amount": \#(value), "quantity": \#(value)}"#
                        )
                    case 2:
                        let tender = rng.next() % 2 == 0 ? try json(Self.pick(hostile, &rng)) : Self.pick(wrongAmounts, &rng)
                        (method, path, body) = (
                            .post, "/api/v1/cart/checkout", brokenBody ?? #"{"tender": \#(tender), "cardAuthorization": "psp-1"}"#
                        )
                    default:
                        let login = try json(Self.pick(hostile, &rng))
                        let password = try json(Self.pick(hostile, &rng))
                        (method, path, body) = (
                            .post, "/api/v1/session", brokenBody ?? #"{"login": \#(login), "password": \#(password)}"#
                        )
                    }
                    let contentType = rng.next() % 9 == 0 ? "text/plain" : "application/json"
                    check(
                        "API \(method) \(path) \(body.prefix(100))",
                        try await raw(
                            client, method, path, body: body, contentType: contentType, cookie: apiSession,
                            extra: [("X-CSRF-Token", token), ("Accept", "application/json")]))
                }

                // 5. Query strings and paths.
                let parameters = ["status", "page", "sort", "order", "due-from", "due-to", "number", "account"]
                let allowedInPath = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
                for _ in 0..<600 {
                    let query = (0..<Int(rng.next() % 4 + 1)).map { _ in
                        "\(Self.pick(parameters, &rng))=\(Self.pick(hostile, &rng).addingPercentEncoding(withAllowedCharacters: allowedInPath) ?? "")"
                    }.joined(separator: "&")
                    let path = Self.pick(["/invoices", "/api/v1/invoices", "/requests", "/api/v1/requests"], &rng)
                    check(
                        "GET \(path)?\(query.prefix(120))",
                        try await raw(client, .get, "\(path)?\(query)", cookie: session + "; " + apiSession))
                    let segment = Self.pick(hostile, &rng).addingPercentEncoding(withAllowedCharacters: allowedInPath) ?? ""
                    let detail = Self.pick(["/invoices/", "/commands/", "/api/v1/invoices/", "/api/v1/commands/", "/nope/"], &rng)
                    check("GET \(detail)\(segment.prefix(80))", try await raw(client, .get, detail + segment, cookie: session))
                }
                for method in [HTTPRequest.Method.put, .delete, .patch, .options] {
                    for path in ["/invoices", "/cart", "/sign-in", "/cart/checkout", "/api/v1/invoices"] {
                        check("\(method) \(path)", try await raw(client, method, path, cookie: session))
                    }
                }

                // 6. Oversize requests.
                for size in [100_000, 2_000_000, 12_000_000] {
                    let big = String(repeating: "z", count: size)
                    check(
                        "form of \(size) bytes",
                        try await raw(
                            client, .post, "/cart/invoices", body: "csrf=\(csrf)&invoice=\(big)",
                            contentType: "application/x-www-form-urlencoded", cookie: session))
                    check(
                        "JSON of \(size) bytes",
                        try await raw(
                            client, .post, "/api/v1/session", body: #"{"login": "mem", "password": "\#(big)"}"#,
                            contentType: "application/json"))
                }

                print("portal fuzz: \(statuses.values.reduce(0, +)) requests, answers \(statuses.sorted { $0.key < $1.key })")
                #expect(failures.isEmpty, "\(failures.count) answers out of range:\n\(failures.prefix(20).joined(separator: "\n"))")
                #expect(statuses.values.reduce(0, +) >= 3_500, "\(statuses)")
                #expect(!statuses.keys.contains { $0 >= 500 }, "\(statuses)")
                let published = world.publisher.published.map(\.routingKey)
                #expect(published.isEmpty, "nothing published: \(published.count) (\(Set(published).sorted()))")
                #expect(try await digest(world) == before, "the store is as it was")
                // The portal still serves the buyer.
                #expect(try await browser.get("/invoices").status == .ok)
                #expect(try await apiBrowser.api(.get, "/api/v1/account").status == .ok)
            }
        }
    }

    /// Found by the fuzzing above: the API paid the whole proposed amount when `amount` was sent
    /// blank. Absent still means the proposed amount; blank is a 400 naming the field.
    @Test func aBlankAmountIsA400NotAPaymentOfTheWholeInvoice() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                let token = try await browser.apiSignIn("mem")
                for blank in [#"{"amount": ""}"#, #"{"amount": "   "}"#] {
                    let answer = try await browser.api(.post, "/api/v1/invoices/T-MEM-001/pay", json: blank, csrf: token)
                    #expect(answer.status == .badRequest && answer.fieldMessages["amount"] != nil, "\(blank): \(answer.status)")
                }
                #expect(world.publisher.published.isEmpty)
                let absent = try await browser.api(.post, "/api/v1/invoices/T-MEM-001/pay", json: "{}", csrf: token)
                #expect(absent.status == .accepted)
                #expect(world.publisher.published.map(\.routingKey) == ["cart.add-invoice"])
            }
        }
    }
}
