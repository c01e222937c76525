import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIHummingbird
import RemitClient
import RemitCore
import RemitStore
import ServiceLifecycle

/// The portal's one gate. A signed-out user is sent to sign in (303) — or, calling the API, answered
/// 401. A POST whose `csrf` field is not the session's token (or, for sign-in, the sign-in
/// cookie's) is refused (403) before any handler runs, so no form can forget the check; an API call
/// that changes something carries the token in `X-CSRF-Token` instead. A path that is nowhere is
/// the portal's "not found", a page or a JSON problem.
struct PortalGuard: RouterMiddleware {
    typealias Context = PortalRequestContext
    /// Reached without signing in.
    static let openPaths: Set<String> = ["/sign-in", "/health", "/api/v1/openapi.yaml", "/api/v1/asyncapi.json"]
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    let pages: PageRenderer
    let trustedProxies: Set<String>

    struct CSRFField: Decodable {
        var csrf: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.hasPrefix("/api/") { return try await api(request, context: context, next: next) }
        let isOpen = Self.openPaths.contains(path)
        if !isOpen, context.identity == nil {
            return .redirect(to: "/sign-in", type: .normal)
        }
        guard request.method == .post else { return try await page(request, context, next) }
        var request = request
        // Collected into the request, so the handler decodes the same form again.
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let given = (try? URLEncodedFormDecoder().decode(CSRFField.self, from: String(buffer: body)))?.csrf
        let expected = path == "/sign-in" ? request.cookies[PortalCookies.signIn]?.value : context.sessions.session?.csrfToken
        guard RandomToken.matches(given, expected) else {
            context.logger.info("form refused: missing or wrong CSRF token", metadata: ["path": "\(path.prefix(100))"])
            return pages.message(
                .forbidden, heading: "This form has expired",
                text: "The form was not sent from this session's page. Open the page again and send it from there.",
                chrome: isOpen ? .signedOut("Refused") : .of(context, title: "Refused"))
        }
        return try await page(request, context, next)
    }

    /// A page, or the portal's "not found" page for a path no route knows.
    private func page(
        _ request: Request, _ context: Context, _ next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return pages.notFound(context.identity == nil ? .signedOut("Not found") : .of(context, title: "Not found"))
        }
    }

    private func api(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let signingIn = path == "/api/v1/session" && request.method == .post
        if context.identity == nil, !signingIn, !Self.openPaths.contains(path) {
            return APIProblem.response(.unauthorized, code: "signed-out", message: "Sign in first: POST /api/v1/session.")
        }
        if ![.get, .head].contains(request.method), !signingIn,
            !RandomToken.matches(request.headers[Self.csrfHeader], context.sessions.session?.csrfToken)
        {
            context.logger.info("API call refused: missing or wrong CSRF token", metadata: ["path": "\(path.prefix(100))"])
            return APIProblem.response(
                .forbidden, code: "csrf", message: "Send the session's CSRF token (from sign-in or GET /api/v1/account) as X-CSRF-Token.")
        }
        // The generated code reads a body whole, however large: it is bounded here, as forms are.
        var request = request
        if ![.get, .head].contains(request.method) {
            do {
                _ = try await request.collectBody(upTo: context.maxUploadSize)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                return APIProblem.response(
                    .contentTooLarge, code: "too-large", message: "A request body has at most \(context.maxUploadSize / 1024) KiB.")
            }
        }
        do {
            let address = context.clientAddress(of: request, trusting: trustedProxies)
            return try await APIRequest.$context.withValue(context) {
                try await APIRequest.$clientAddress.withValue(address) { try await next(request, context) }
            }
        } catch let error as HTTPError where error.status == .notFound {
            return APIProblem.response(.notFound, code: "not-found", message: "There is no such API path; see /api/v1/openapi.yaml.")
        }
    }
}
