import Foundation
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitPortal
import RemitPostgres
import RemitStore
import RemitTestSupport
import Synchronization
import Testing

/// The channel store as a restarting PostgreSQL or an unreadable SQLite file looks to the portal:
/// every read, or every write, fails with the store's `StoreFailure` until it is back.
final class FailingChannelStore: PortalChannelStore {
    enum Outage { case none, reads, writes }
    let store: any PortalChannelStore
    private let outage = Mutex(Outage.none)
    /// What a backend's failure might carry: none of it may reach a buyer.
    static let secret = "postgres://remit:hunter2@db.internal/remit SELECT value FROM portal_session"

    init(_ store: any PortalChannelStore) { self.store = store }

    func fail(_ outage: Outage) { self.outage.withLock { $0 = outage } }

    private func failing(_ failing: Outage) throws {
        guard outage.withLock({ $0 }) == failing else { return }
        throw StoreFailure(.unavailable, store: Self.secret, detail: "connection refused")
    }

    func readChannel<T: Sendable>(_ body: @escaping @Sendable (any ChannelStoreTransaction) throws -> T) async throws -> T {
        try failing(.reads)
        return try await store.readChannel(body)
    }

    func writePortalState<T: Sendable>(_ body: @escaping @Sendable (PortalState) throws -> T) async throws -> T {
        try failing(.reads)
        try failing(.writes)
        return try await store.writePortalState(body)
    }
}

/// Issue #24: a store that is down is a 503 — "try again in a moment" — for pages and API alike,
/// never a 500, never "signed out" or "wrong password"; the session cookie outlives the outage.
@Suite("Portal: a store outage answers 503 and keeps the session")
struct StoreOutageTests {
    /// The outage answer of a page: 503 with `Retry-After`, nothing of the failure in it.
    static func expectPageOutage(_ answer: TestResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.status == .serviceUnavailable, "\(what): \(answer.status)", sourceLocation: sourceLocation)
        #expect(answer.headers[.retryAfter] == "5" && answer.location == nil, "\(what)", sourceLocation: sourceLocation)
        #expect(answer.html.contains("Please try again in a moment"), "\(what)", sourceLocation: sourceLocation)
        #expect(!answer.html.contains("hunter2") && !answer.html.contains("SELECT"), "\(what)", sourceLocation: sourceLocation)
        #expect(answer.headers[values: .setCookie].isEmpty, "\(what): no cookie changed", sourceLocation: sourceLocation)
    }

    /// The outage answer of the API: 503 with `Retry-After` and the problem `unavailable`.
    static func expectAPIOutage(_ answer: TestResponse, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let problem = answer.object["error"] as? [String: Any] ?? [:]
        #expect(answer.status == .serviceUnavailable, "\(what): \(answer.status)", sourceLocation: sourceLocation)
        #expect(problem["code"] as? String == "unavailable" && problem["status"] as? Int == 503, "\(what)", sourceLocation: sourceLocation)
        #expect(answer.headers[.retryAfter] == "5", "\(what)", sourceLocation: sourceLocation)
        #expect(!answer.html.contains("hunter2") && !answer.html.contains("SELECT"), "\(what)", sourceLocation: sourceLocation)
    }

    @Test func whileTheStoreIsDownEveryRouteAnswers503AndTheSameSessionWorksAfterwards() async throws {
        try await PortalWorld.with { world in
            let store = FailingChannelStore(world.store)
            try await world.test(channel: store) { client in
                let browser = Browser(client)
                #expect(try await browser.signIn("mem").location == "/invoices")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                let caller = Browser(client)
                let apiToken = try await caller.apiSignIn("mem")
                let cookies = (browser.cookies, caller.cookies)

                store.fail(.reads)
                Self.expectPageOutage(try await browser.get("/invoices"), "invoices")
                Self.expectPageOutage(try await browser.get("/invoices/T-MEM-001"), "an invoice")
                Self.expectPageOutage(try await browser.post("/requests", [("csrf", token), ("invoice", "T-MEM-001")]), "a command")
                Self.expectPageOutage(try await Browser(client).signIn("mem"), "signing in")
                Self.expectAPIOutage(try await caller.api(.get, "/api/v1/invoices"), "the API's invoices")
                Self.expectAPIOutage(
                    try await caller.api(.post, "/api/v1/invoices/T-MEM-001/request", csrf: apiToken), "an API command")
                Self.expectAPIOutage(
                    try await Browser(client).api(.post, "/api/v1/session", json: #"{"login": "mem", "password": "remit-demo"}"#),
                    "the API's sign-in")
                #expect(world.publisher.published.isEmpty, "nothing sent while the store was down")
                #expect(try await client.execute(uri: "/health", method: .get).status == .serviceUnavailable)

                store.fail(.none)
                #expect(browser.cookies == cookies.0 && caller.cookies == cookies.1, "the same cookies")
                let page = try await browser.get("/invoices")
                #expect(page.status == .ok && page.html.contains("Mia Member"), "\(page.status)")
                #expect(try await caller.api(.get, "/api/v1/invoices").status == .ok)
                #expect(try await Browser(client).signIn("mem", "guess").status == .unauthorized, "a wrong password is one again")
            }
        }
    }

    @Test func aSessionThatCannotBeSavedIsA503AndNoCookie() async throws {
        try await PortalWorld.with { world in
            let store = FailingChannelStore(world.store)
            try await world.test(channel: store) { client in
                store.fail(.writes)
                let browser = Browser(client)
                Self.expectPageOutage(try await browser.signIn("mem"), "signing in")
                #expect(browser.cookies["remit_session"] == nil)
                store.fail(.none)
                #expect(try await browser.signIn("mem").location == "/invoices")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                store.fail(.writes)
                // Reading works: the page shows; signing out cannot be written, so the session stays.
                #expect(try await browser.get("/invoices").status == .ok)
                Self.expectPageOutage(try await browser.post("/sign-out", [("csrf", token)]), "signing out")
                store.fail(.none)
                #expect(try await browser.get("/invoices").status == .ok, "still signed in")
            }
        }
    }

    /// Every operation of the API document may answer the outage's 503, and the document names its code.
    @Test func theAPIDocumentListsThe503OfEveryOperation() throws {
        let document = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/RemitPortal/openapi.yaml"), encoding: .utf8)
        let operations = document.split(separator: "operationId:").dropFirst()
        #expect(operations.count == 15)
        for operation in operations {
            let responses = operation.split(separator: "operationId:").first ?? operation
            #expect(responses.contains(##""503": { $ref: "#/components/responses/Unavailable" }"##), "\(responses.prefix(40))")
        }
        #expect(document.contains("(`unavailable`"))
    }
}

extension StoreOutageTests {
    @Test func onPostgreSQLASessionOutlivesAnOutageOfTheDatabase() async throws {
        try await PortalWorld.with { world in
            let server = try PostgresTestServer.shared.get()
            let url = try server.database("outage-\(UUID().uuidString.prefix(8).lowercased())")
            let store = try PostgresChannelStore(url: url)
            defer { store.shutdown() }
            try await SharedSessionTests.seed(store, world)
            let database = url.database
            try await world.test(channel: store) { client in
                let browser = Browser(client)
                #expect(try await browser.signIn("mem").location == "/invoices")
                let caller = Browser(client)
                _ = try await caller.apiSignIn("mem")

                // The database takes no connections and the portal's are cut, as in a restart.
                try server.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS false", in: "postgres")
                try server.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()",
                    in: "postgres")
                let page = try await browser.get("/invoices")
                #expect(page.status == .serviceUnavailable && page.headers[.retryAfter] == "5", "\(page.status)")
                #expect(!page.html.contains(database), "nothing of the store in the page")
                let api = try await caller.api(.get, "/api/v1/invoices")
                #expect(api.status == .serviceUnavailable && (api.object["error"] as? [String: Any])?["code"] as? String == "unavailable")

                try server.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS true", in: "postgres")
                let again = try await browser.get("/invoices")
                #expect(again.status == .ok && again.html.contains("User mem"), "the same session: \(again.status)")
                #expect(try await caller.api(.get, "/api/v1/invoices").status == .ok)
            }
        }
    }
}
