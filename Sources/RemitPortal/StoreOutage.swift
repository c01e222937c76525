import Foundation
import HTTPTypes
import Hummingbird
import Logging
import RemitStore

/// A channel store that cannot be used just now — PostgreSQL restarting or unreachable, an SQLite
/// file locked or unreadable — is a 503 for every route, like a full disk: a page (or, under
/// `/api/`, the JSON problem `unavailable`) that says to try again in a moment, with `Retry-After`.
/// The body names nothing of the failure (the store, its SQL); the log does. The session cookie is
/// left as it was, so the same session works again once the store answers. A failure that refuses
/// the data is a bug of the portal's, not an outage, and stays a 500.
struct StoreOutage: RouterMiddleware {
    typealias Context = PortalRequestContext
    static let retryAfter = "5"
    static let problem = BuyerAPI.problem(
        503, "unavailable", "The shop's records cannot be read right now. Please try again in a moment.")
    let pages: PageRenderer

    /// True for a failure of the store itself, whatever was asked of it.
    static func isOutage(_ error: any Error) -> Bool {
        guard let failure = error as? StoreFailure else { return false }
        return !failure.refusesTheData
    }

    static func log(_ error: any Error, path: String, logger: Logger) {
        logger.warning(
            "channel store unavailable; answered 503", metadata: ["path": "\(path.prefix(100))", "error": "\(error)"])
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure where Self.isOutage(failure) {
            let path = request.uri.path
            Self.log(failure, path: path, logger: context.logger)
            if path.hasPrefix("/api/") {
                return APIProblem.response(Self.problem, headers: [.retryAfter: Self.retryAfter])
            }
            return pages.message(
                .serviceUnavailable, heading: "Please try again in a moment",
                text: "The shop's records cannot be read right now, so this page cannot be shown. Please try again in a moment.",
                chrome: .signedOut("Try again in a moment"), headers: [.retryAfter: Self.retryAfter])
        }
    }
}
