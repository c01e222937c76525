import Foundation
import Hummingbird
import HummingbirdAuth

/// HummingbirdAuth's `SessionMiddleware` with one difference: a store that fails while a session is
/// loaded or saved throws its failure (the portal answers 503 and the cookie stays), where
/// HummingbirdAuth's logs any load error at debug and carries on signed out, so a PostgreSQL restart
/// would send every signed-in buyer back to sign in. Cookies and keys are HummingbirdAuth's
/// `SessionStorage`'s, so sessions saved by either are the same; a stored value that cannot be read
/// is still no session (`StoreSessionDriver` answers nil for it).
struct PortalSessionMiddleware: RouterMiddleware {
    typealias Context = PortalRequestContext
    let storage: SessionStorage<PortalSession>
    /// How long a new session lives, unless its handler says otherwise.
    let lifetime: Duration

    init(driver: any PersistDriver, cookie: SessionCookieParameters, lifetime: Duration) {
        storage = SessionStorage(driver, configuration: .init(sessionCookieParameters: cookie, keyPrefix: "portal."))
        self.lifetime = lifetime
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var loaded: PortalSession?
        var unreadable = false
        do {
            loaded = try await storage.load(request: request)
        } catch let error as SessionStorage<PortalSession>.Error where error == .sessionInvalidType {
            unreadable = true
        }
        if let loaded { context.sessions.createSession(loaded) }
        var response = try await next(request, context)
        // HummingbirdAuth keeps whether a session is new or edited to itself: the portal tells by the
        // session's CSRF token, which every sign-in makes anew and nothing else changes.
        guard let current = context.sessions.session else {
            if loaded != nil || unreadable {
                let expired = try await storage.delete(request: request)
                response.headers[values: .setCookie].append(expired.description)
            }
            return response
        }
        if let loaded, loaded.csrfToken == current.csrfToken {
            // An edited session keeps its expiry (the portal never extends one).
            if current != loaded { try await storage.update(session: current, expiresIn: nil, request: request) }
        } else {
            // A new session id at every sign-in: an id planted before cannot be ridden after it.
            let expiresIn = context.sessions.withLockedSession { $0?.expiresIn }
            let cookie = try await storage.save(session: current, expiresIn: expiresIn ?? lifetime)
            response.headers[values: .setCookie].append(cookie.description)
        }
        return response
    }
}
