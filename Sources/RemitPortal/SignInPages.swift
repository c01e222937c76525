import Foundation
import Hummingbird
import HummingbirdAuth
import RemitCore
import RemitStore

/// Sign in and sign out: passwords checked against the bcrypt hashes in `channel_credential`, a new
/// session (and session id) for every sign-in, failed attempts limited per login and per address.
struct SignInPages: Sendable {
    let settings: PortalSettings
    let pages: PageRenderer
    let check: SignInCheck

    struct SignInView {
        let chrome: Chrome
        let csrf: String
        let login: String
        let error: String?
    }

    struct SignInForm: Decodable {
        var login: String?
        var password: String?
    }

    func register(on router: Router<PortalRequestContext>) {
        router.get("/") { _, _ -> Response in .redirect(to: "/invoices", type: .normal) }
        router.get("/sign-in") { request, context -> Response in
            if context.identity != nil { return Response.redirect(to: "/invoices", type: .normal) }
            return signInPage(request, status: .ok, login: "", error: nil)
        }
        router.post("/sign-in") { request, context -> Response in try await signIn(request, context) }
        router.post("/sign-out") { _, context -> Response in
            context.sessions.clearSession()
            return Response.redirect(to: "/sign-in", type: .normal)
        }
    }

    /// The sign-in form. Its CSRF token lives in a cookie of its own (the double-submit pattern):
    /// there is no session yet to keep it in. An existing token is kept, so two tabs both work.
    private func signInPage(
        _ request: Request, status: HTTPResponse.Status, login: String, error: String?, headers: HTTPFields = [:]
    ) -> Response {
        let existing = request.cookies[PortalCookies.signIn]?.value
        let token = existing.flatMap { $0.count == 43 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? $0 : nil }
        let csrf = token ?? RandomToken.make()
        var headers = headers
        if token == nil {
            let cookie = Cookie(
                name: PortalCookies.signIn, value: csrf, maxAge: 3600, path: "/sign-in", secure: settings.secureCookies, httpOnly: true,
                sameSite: .lax)
            headers[values: .setCookie].append(cookie.description)
        }
        return pages.page(
            "sign-in", SignInView(chrome: .signedOut("Sign in"), csrf: csrf, login: login, error: error), status: status, headers: headers)
    }

    private func signIn(_ request: Request, _ context: PortalRequestContext) async throws -> Response {
        let submitted = try await request.decode(as: SignInForm.self, context: context)
        let login = String((submitted.login ?? "").trimmingCharacters(in: .whitespaces).prefix(128))
        let address = context.clientAddress(of: request, trusting: settings.trustedProxies)
        switch try await check.check(login: login, password: submitted.password ?? "", address: address, context: context) {
        case .tooMany(let wait, let text):
            return signInPage(
                request, status: .tooManyRequests, login: login, error: text, headers: [.retryAfter: String(Int(wait.rounded(.up)))])
        case .refused:
            return signInPage(request, status: .unauthorized, login: login, error: "The login or the password is not right.")
        case .signedIn(let session, _):
            // A new session id at every sign-in: an id planted before cannot be ridden after it.
            context.sessions.createSession(session)
            return .redirect(to: "/invoices", type: .normal)
        }
    }
}

/// The check behind every sign-in, the page's and the API's: the password against the bcrypt hash
/// in `channel_credential`, failed attempts limited per login and per address.
struct SignInCheck: Sendable {
    let dependencies: PortalDependencies
    let limiter: SignInLimiter
    /// A hash of a random password at the configured cost, checked when the login has no credential.
    let standInHash: String

    enum Outcome: Sendable {
        /// A new session for the buyer, with its own CSRF token.
        case signedIn(PortalSession, BuyerView.Buyer)
        case refused
        /// Too many failures: wait this many seconds; the sentence says so.
        case tooMany(wait: Double, text: String)
    }

    func check(login given: String, password: String, address: String, context: PortalRequestContext) async throws -> Outcome {
        let login = String(given.trimmingCharacters(in: .whitespaces).prefix(128))
        let now = dependencies.clock.now()
        if let wait = limiter.waitBeforeTrying(login: login, address: address, now: now) {
            let minutes = max(1, Int((wait / 60).rounded(.up)))
            context.logger.notice("sign-in refused: too many failures", metadata: ["address": "\(address)"])
            return .tooMany(wait: wait, text: "Too many failed sign-ins. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").")
        }
        let (credential, buyer) = try await dependencies.channel.readChannel { channel in
            (try channel.buyerViews.credential(login: login), try channel.buyerViews.buyer(login: login))
        }
        // The same bcrypt work whether the login exists or not, so the answer's time tells nothing.
        let matches = await dependencies.passwordHasher.verify(password, against: credential?.passwordHash ?? standInHash)
        guard matches, credential != nil, let buyer, !login.isEmpty, password.utf8.count <= PasswordHasher.maximumPasswordBytes else {
            limiter.recordFailure(login: login, address: address, now: now)
            return .refused
        }
        limiter.recordSuccess(login: login)
        context.logger.info("signed in", metadata: ["user": "\(login)"])
        return .signedIn(PortalSession(login: login, csrfToken: RandomToken.make(), commands: []), buyer)
    }
}
