import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitPortal
import RemitPostgres
import RemitSQLite
import RemitStore
import RemitTestSupport
import Synchronization
import Testing

/// Two portal processes over one channel store (each its own application and its own connection to
/// the store): a browser signed in on one is signed in on the other, so a load balancer needs no
/// sticky sessions; one built anew after the first is gone still knows it, so a restart signs
/// nobody out; and failed sign-ins on one count on the other.
@Suite("Portal: sessions and the sign-in limit shared by every portal process")
struct SharedSessionTests {
    /// A second handle on the world's file, as another process on the host would open it.
    static func secondStore(_ world: PortalWorld) throws -> ChannelStore { try ChannelStore(dataDirectory: world.directory) }

    /// The session cookie of `browser`, carried over to a browser on `client` (a load balancer sending
    /// the same browser to another portal).
    static func sameBrowser(_ browser: Browser, on client: any TestClientProtocol) throws -> Browser {
        let other = Browser(client)
        for (name, value) in browser.cookies { other.set(name, value) }
        return other
    }

    @Test func aSessionOpenedOnOnePortalIsValidOnAnotherAndSigningOutThereEndsItEverywhere() async throws {
        try await PortalWorld.with { world in
            let second = try Self.secondStore(world)
            try await world.test { first in
                try await world.test(channel: second) { other in
                    let browser = Browser(first)
                    #expect(try await browser.signIn("mem").location == "/invoices")
                    let elsewhere = try Self.sameBrowser(browser, on: other)
                    let page = try await elsewhere.get("/invoices")
                    #expect(page.status == .ok && page.html.contains("Mia Member"))
                    // The session's CSRF token, from a page of the first portal, is good on the second.
                    let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                    let out = try await elsewhere.post("/sign-out", [("csrf", token)])
                    #expect(out.status == .seeOther && out.location == "/sign-in")
                    #expect(try await browser.get("/invoices").location == "/sign-in", "signed out on the first portal too")
                }
            }
        }
    }

    @Test func aCommandSentThroughOnePortalShowsPendingOnAnother() async throws {
        try await PortalWorld.with { world in
            let second = try Self.secondStore(world)
            try await world.test { first in
                try await world.test(channel: second) { other in
                    let browser = Browser(first)
                    try await browser.signIn("mem")
                    let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                    let sent = try await browser.post("/requests", [("csrf", token), ("invoice", "T-MEM-001")])
                    let commandPage = try #require(sent.location)
                    #expect(commandPage.hasPrefix("/commands/"), "\(sent.status)")
                    // The session remembers what it sent; the other portal reads that memory from the store.
                    let there = try await Self.sameBrowser(browser, on: other).get(commandPage)
                    #expect(there.status == .ok && there.html.contains("T-MEM-001"), "\(there.status)")
                }
            }
        }
    }

    @Test func aRestartedPortalKnowsTheSessionsOfTheOneBefore() async throws {
        try await PortalWorld.with { world in
            let cookies = Mutex<[String: String]>([:])
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                cookies.withLock { $0 = browser.cookies }
            }
            #expect(cookies.withLock { $0["remit_session"] } != nil)
            // A new process: a new application over a new handle on the file.
            try await world.test(channel: try Self.secondStore(world)) { client in
                let again = Browser(client)
                for (name, value) in cookies.withLock({ $0 }) { again.set(name, value) }
                let page = try await again.get("/invoices")
                #expect(page.status == .ok && page.html.contains("Mia Member"))
                world.clock.advance(by: 8 * 3_600)
                #expect(try await again.get("/invoices").location == "/sign-in", "expired after its lifetime all the same")
            }
        }
    }

    @Test func failedSignInsOnOnePortalLockTheLoginOnAnother() async throws {
        try await PortalWorld.with { world in
            let second = try Self.secondStore(world)
            try await world.test { first in
                try await world.test(channel: second) { other in
                    for _ in 1...5 { #expect(try await Browser(first).signIn("mem", "guess").status == .unauthorized) }
                    let locked = try await Browser(other).signIn("mem")
                    #expect(locked.status == .tooManyRequests && locked.html.contains("Try again in 15 minutes."))
                    #expect(try await Browser(other).signIn("solo").status == .seeOther, "another login is not locked")
                }
            }
        }
    }

    @Test func onPostgreSQLTwoPortalsShareSessionsAndTheSignInLimit() async throws {
        try await PortalWorld.with { world in
            let url = try PostgresTestServer.shared.get().database("portal-\(UUID().uuidString.prefix(8).lowercased())")
            let first = try PostgresChannelStore(url: url)
            defer { first.shutdown() }
            let second = try PostgresChannelStore(url: url)
            defer { second.shutdown() }
            try await Self.seed(first, world)
            try await world.test(channel: first) { one in
                try await world.test(channel: second) { two in
                    let browser = Browser(one)
                    #expect(try await browser.signIn("mem").location == "/invoices")
                    let page = try await Self.sameBrowser(browser, on: two).get("/invoices")
                    #expect(page.status == .ok && page.html.contains("User mem"))
                    for _ in 1...5 { #expect(try await Browser(two).signIn("max", "guess").status == .unauthorized) }
                    #expect(try await Browser(one).signIn("max").status == .tooManyRequests)
                }
            }
        }
    }
}

extension SharedSessionTests {
    /// The users mem and max of T-MEM, with the demo password, in a PostgreSQL channel store.
    static func seed(_ store: PostgresChannelStore, _ world: PortalWorld) async throws {
        let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash(PortalWorld.password)
        let now = world.clock.now()
        try await store.write { transaction in
            let channel = try transaction.channel()
            _ = try channel.channelUpdates.storeIfNewer(
                ChannelCustomer(
                    account: "T-MEM", name: "Customer T-MEM", email: "T-MEM@shop.example", currency: "EUR", invoiceAccount: nil,
                    allowOnAccount: true, creditLimitMinor: 1_000_000, hqChangedAt: now))
            try channel.channelUpdates.replaceUsers(
                ofCustomer: "T-MEM",
                with: ["mem", "max"].map {
                    ChannelUser(login: $0, customerAccount: "T-MEM", displayName: "User \($0)", email: "\($0)@shop.example")
                })
            for login in ["mem", "max"] {
                try channel.credentials.save(ChannelCredential(login: login, passwordHash: hash, updatedAt: now))
            }
        }
    }

    @Test func theStoreHoldsADigestOfTheCookieAndAStoredValueItCannotReadIsNoSession() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                try await browser.signIn("mem")
                let cookie = try #require(browser.cookies["remit_session"])
                let keys = try await world.store.pool.read { db in try String.fetchAll(db, sql: "SELECT key FROM portal_session") }
                #expect(keys.count == 1 && !keys.contains { $0.contains(cookie) }, "the cookie is not in the store")
                #expect(keys.first?.count == 64, "its SHA-256 is")
                for damage in ["UPDATE portal_session SET value = x'7b00'", "UPDATE portal_session SET expires_at = 'soon'"] {
                    let browser = Browser(client)
                    try await browser.signIn("mem")
                    #expect(try await browser.get("/invoices").status == .ok)
                    try await world.store.pool.write { db in try db.execute(sql: damage) }
                    let answer = try await browser.get("/invoices")
                    #expect(answer.status == .seeOther && answer.location == "/sign-in", "\(damage): signed out, not a 500")
                }
            }
        }
    }
}
