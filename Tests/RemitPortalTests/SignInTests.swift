import Foundation
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitPortal
import RemitTestSupport
import Testing

@Suite("Portal: sign-in, sessions, CSRF and the sign-in limit")
struct SignInTests {
    @Test func theRightPasswordOpensASessionWithAnHttpOnlyLaxCookieAndTheInvoicesPage() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                let answer = try await browser.signIn("mem")
                #expect(answer.status == .seeOther && answer.location == "/invoices")
                let cookie = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix("remit_session=") })
                #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "\(cookie)")
                let page = try await browser.get("/invoices")
                #expect(page.status == .ok)
                #expect(page.html.contains("Mia Member") && page.html.contains("Sign out"))
            }
        }
    }

    @Test func cookiesAreSecureWhenThePortalIsReachedOverTLS() async throws {
        try await PortalWorld.with { world in
            try await world.test(settings: world.settings { $0.secureCookies = true }) { client in
                let browser = Browser(client)
                let form = try await browser.get("/sign-in")
                #expect(form.headers[values: .setCookie].allSatisfy { $0.contains("Secure") && $0.contains("HttpOnly") })
                let answer = try await browser.signIn("mem")
                let cookie = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix("remit_session=") })
                #expect(cookie.contains("Secure"))
            }
        }
    }

    @Test func aWrongPasswordAndAnUnknownLoginGetTheSameRefusalAndNoSession() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let wrong = try await Browser(client).signIn("mem", "not-the-password")
                let unknown = try await Browser(client).signIn("nobody", PortalWorld.password)
                for answer in [wrong, unknown] {
                    #expect(answer.status == .unauthorized)
                    #expect(answer.html.contains("The login or the password is not right."))
                    #expect(!answer.headers[values: .setCookie].contains { $0.hasPrefix("remit_session=") })
                }
            }
        }
    }

    @Test func aSignedOutUserIsSentToSignInAndSigningOutEndsTheSession() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                for path in ["/invoices", "/requests", "/commands/x", "/"] {
                    let answer = try await browser.get(path)
                    #expect(answer.status == .seeOther, "\(path)")
                    #expect(answer.location == "/sign-in", "\(path)")
                }
                try await browser.signIn("mem")
                #expect(try await browser.get("/").location == "/invoices")
                #expect(try await browser.get("/sign-in").location == "/invoices", "signed in, the form is not shown again")
                let session = try #require(browser.cookies["remit_session"])
                let page = try await browser.get("/invoices")
                let token = try #require(page.html.firstCSRFToken)
                let out = try await browser.post("/sign-out", [("csrf", token)])
                #expect(out.status == .seeOther && out.location == "/sign-in")
                // The old session id no longer opens anything, even when a browser keeps sending it.
                browser.set("remit_session", session)
                let after = try await browser.get("/invoices")
                #expect(after.status == .seeOther && after.location == "/sign-in")
            }
        }
    }

    @Test func aPostWithoutOrWithAWrongCSRFTokenIsRefusedAndDoesNothing() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                let browser = Browser(client)
                // Sign-in itself: the form's token must match the sign-in cookie.
                _ = try await browser.get("/sign-in")
                let noToken = try await browser.post("/sign-in", [("login", "mem"), ("password", PortalWorld.password)])
                #expect(noToken.status == .forbidden)
                let forged = try await browser.post(
                    "/sign-in", [("csrf", String(repeating: "A", count: 43)), ("login", "mem"), ("password", PortalWorld.password)])
                #expect(forged.status == .forbidden && browser.cookies["remit_session"] == nil)

                try await browser.signIn("mem")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                for fields in [
                    [("invoice", "T-MEM-001")], [("csrf", "wrong"), ("invoice", "T-MEM-001")], [("csrf", ""), ("invoice", "T-MEM-001")],
                ] {
                    let pay = try await browser.post("/cart/invoices", fields)
                    #expect(pay.status == .forbidden && pay.html.contains("This form has expired"))
                    #expect(try await browser.post("/requests", fields).status == .forbidden)
                }
                #expect(world.publisher.published.isEmpty, "nothing was published for a refused form")
                // Sign-out with another session's token is refused too: the session stays.
                let other = Browser(client)
                try await other.signIn("solo")
                let otherToken = try #require(try await other.get("/invoices").html.firstCSRFToken)
                #expect(otherToken != token)
                #expect(try await browser.post("/sign-out", [("csrf", otherToken)]).status == .forbidden)
                #expect(try await browser.get("/invoices").status == .ok)
            }
        }
    }

    @Test func fiveFailuresLockALoginForFifteenMinutesEvenAgainstTheRightPassword() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                for _ in 1...5 { #expect(try await Browser(client).signIn("mem", "guess").status == .unauthorized) }
                let locked = try await Browser(client).signIn("mem")
                #expect(locked.status == .tooManyRequests)
                #expect(locked.html.contains("Too many failed sign-ins. Try again in 15 minutes."))
                #expect(locked.headers[.retryAfter] == "900")
                #expect(!locked.headers[values: .setCookie].contains { $0.hasPrefix("remit_session=") })
                // Another login from the same address is not locked by mem's failures.
                #expect(try await Browser(client).signIn("solo").status == .seeOther)
                world.clock.advance(by: 14 * 60)
                #expect(try await Browser(client).signIn("mem").status == .tooManyRequests)
                world.clock.advance(by: 60)
                #expect(try await Browser(client).signIn("mem").status == .seeOther, "free again once the failures left the window")
            }
        }
    }

    @Test func twentyFailuresFromOneAddressLockThatAddressForEveryLogin() async throws {
        try await PortalWorld.with { world in
            try await world.test { client in
                for attempt in 1...20 {
                    #expect(try await Browser(client).signIn("guessed-\(attempt % 4)", "guess").status == .unauthorized)
                }
                let locked = try await Browser(client).signIn("solo")
                #expect(locked.status == .tooManyRequests && locked.html.contains("Too many failed sign-ins"))
            }
        }
    }

    @Test func behindATrustedProxyTheLimitCountsTheForwardedClientAndAForgedHeaderCountsNothing() async throws {
        try await PortalWorld.with { world in
            // The in-process client has no peer address ("unknown"): trusting it stands for a proxy in front.
            try await world.test(settings: world.settings { $0.trustedProxies = ["unknown"] }) { client in
                func signIn(_ login: String, _ password: String, from address: String) async throws -> HTTPResponse.Status {
                    try await Browser(client).api(
                        .post, "/api/v1/session", json: #"{"login": "\#(login)", "password": "\#(password)"}"#,
                        headers: ["X-Forwarded-For": "10.9.9.9, \(address)"]
                    ).status
                }
                for attempt in 1...20 {
                    let status = try await signIn("guessed-\(attempt % 4)", "guess", from: "203.0.113.7")
                    #expect(status == .unauthorized)
                }
                let locked = try await signIn("solo", PortalWorld.password, from: "203.0.113.7")
                #expect(locked == .tooManyRequests)
                let other = try await signIn("solo", PortalWorld.password, from: "198.51.100.2")
                #expect(other == .ok, "another client behind the proxy")
            }
            // Without trusted proxies the header is anybody's to write: it changes nothing.
            try await world.test { client in
                // Other logins than above: the failures are in the store, shared by both portals, and
                // guessed-1…3 are locked already.
                for attempt in 1...20 {
                    _ = try await Browser(client).api(
                        .post, "/api/v1/session", json: #"{"login": "forged-\#(attempt)", "password": "guess"}"#,
                        headers: ["X-Forwarded-For": "192.0.2.\(attempt)"])
                }
                let locked = try await Browser(client).api(
                    .post, "/api/v1/session", json: #"{"login": "solo", "password": "remit-demo"}"#,
                    headers: ["X-Forwarded-For": "192.0.2.99"])
                #expect(locked.status == .tooManyRequests && (locked.problem["message"] as? String)?.contains("Too many") == true)
            }
        }
    }

    @Test func theLimiterCountsPerLoginAndPerAddressWithinItsWindow() async throws {
        try await PortalWorld.with { world in
            let limiter = SignInLimiter(limits: .init(perLogin: 2, perAddress: 3, window: 60), store: world.store)
            let start = Date(timeIntervalSince1970: 1_000_000)
            try await limiter.recordFailure(login: "a", address: "10.0.0.1", now: start)
            #expect(try await limiter.waitBeforeTrying(login: "a", address: "10.0.0.1", now: start) == nil)
            try await limiter.recordFailure(login: "a", address: "10.0.0.2", now: start + 10)
            #expect(try await limiter.waitBeforeTrying(login: "a", address: "10.0.0.3", now: start + 20) == 40)
            try await limiter.recordFailure(login: "b", address: "10.0.0.1", now: start + 20)
            try await limiter.recordFailure(login: "c", address: "10.0.0.1", now: start + 30)
            #expect(try await limiter.waitBeforeTrying(login: "d", address: "10.0.0.1", now: start + 30) == 30)
            #expect(try await limiter.waitBeforeTrying(login: "d", address: "10.0.0.9", now: start + 30) == nil)
            #expect(try await limiter.waitBeforeTrying(login: "a", address: "10.0.0.9", now: start + 70) == nil)
            try await limiter.recordFailure(login: "e", address: "10.0.0.5", now: start)
            try await limiter.recordSuccess(login: "e")
            try await limiter.recordFailure(login: "e", address: "10.0.0.6", now: start)
            #expect(
                try await limiter.waitBeforeTrying(login: "e", address: "10.0.0.7", now: start) == nil, "a success clears the login's count"
            )
            // A second limiter on the same store (another portal process) sees the same failures.
            let other = SignInLimiter(limits: .init(perLogin: 2, perAddress: 3, window: 60), store: world.store)
            #expect(try await other.waitBeforeTrying(login: "d", address: "10.0.0.1", now: start + 30) == 30)
        }
    }

    @Test func theWaitEndsWhenTheFailureThatReachedTheLimitLeavesTheWindow() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let newestFirst = [now - 5, now - 20, now - 50]
        #expect(SignInLimiter.wait(recent: newestFirst, limit: 2, window: 60, now: now) == 40)
        #expect(SignInLimiter.wait(recent: newestFirst, limit: 3, window: 60, now: now) == 10)
        #expect(SignInLimiter.wait(recent: newestFirst, limit: 4, window: 60, now: now) == nil, "under the limit")
        #expect(SignInLimiter.wait(recent: newestFirst, limit: 0, window: 60, now: now) == nil, "no limit")
    }

    @Test func oldFailuresAreDeletedAsNewOnesCome() async throws {
        try await PortalWorld.with { world in
            let limiter = SignInLimiter(limits: .init(perLogin: 5, perAddress: 20, window: 60), store: world.store)
            let start = Date(timeIntervalSince1970: 1_000_000)
            for i in 0..<30 { try await limiter.recordFailure(login: "made-up-\(i)", address: "10.0.0.1", now: start) }
            try await limiter.recordFailure(login: "later", address: "10.0.0.2", now: start + 61)
            let (address, made, later) = try await world.store.readChannel { channel in
                let failures = channel.signInFailures
                return (
                    try failures.recent(key: "address:10.0.0.1", since: start - 3_600, limit: 100),
                    try failures.recent(key: "login:made-up-7", since: start - 3_600, limit: 100),
                    try failures.recent(key: "login:later", since: start - 3_600, limit: 100)
                )
            }
            #expect(address.isEmpty && made.isEmpty, "the 60 failures out of the window went with the next one")
            #expect(later == [start + 61])
        }
    }
}
