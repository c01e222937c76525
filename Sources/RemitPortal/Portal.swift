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

/// How the portal listens and behaves.
public struct PortalSettings: Sendable {
    public var host: String
    public var port: Int
    /// Marks the cookies Secure; set when browsers reach the portal over TLS (a proxy in front).
    public var secureCookies: Bool
    public var signInLimits: SignInLimiter.Limits
    /// Invoices per page of the Invoices page.
    public var pageSize: Int
    /// A session ends this long after it was last written (sign-in or a click).
    public var sessionLifetime: Duration
    /// The storefront's rules, as the workers apply them: the portal refuses up front what they would.
    public var policy: StorefrontPolicy
    /// Proxies in front of the portal: a request from one of them is from the client its
    /// `X-Forwarded-For` names (the sign-in limit counts that address, not the proxy's).
    public var trustedProxies: Set<String>

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false, signInLimits: SignInLimiter.Limits = .init(),
        pageSize: Int = 50, sessionLifetime: Duration = .seconds(8 * 3600), policy: StorefrontPolicy = StorefrontPolicy(),
        trustedProxies: Set<String> = []
    ) {
        self.policy = policy
        self.trustedProxies = trustedProxies
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.signInLimits = signInLimits
        self.pageSize = pageSize
        self.sessionLifetime = sessionLifetime
    }

    public init(configuration: RemitConfiguration) throws {
        let listener = try configuration.portalListener()
        self.init(
            host: listener.host, port: listener.port, secureCookies: listener.secureCookies,
            policy: try configuration.storefrontPolicy(), trustedProxies: try configuration.portalTrustedProxies())
    }
}

/// What the portal reads from and publishes to. It reads the channel store and never writes it:
/// every change a buyer asks for is a command published with confirms, applied by the workers.
public struct PortalDependencies: Sendable {
    public var channel: any ChannelStoreReader
    public var publisher: any CommandPublishing
    /// Builds and checks the commands' envelopes, as every producer does.
    public var producer: Producer
    /// Only its cost matters: unknown logins are checked against a hash of that cost, so a wrong
    /// login takes as long as a wrong password.
    public var passwordHasher: PasswordHasher
    public var clock: any WallClock
    public var logger: Logger

    public init(
        channel: any ChannelStoreReader, publisher: any CommandPublishing, producer: Producer, passwordHasher: PasswordHasher,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.channel = channel
        self.publisher = publisher
        self.producer = producer
        self.passwordHasher = passwordHasher
        self.clock = clock
        self.logger = logger
    }
}

/// The buyer portal as a Hummingbird application: tests run it in process with HummingbirdTesting,
/// `remit portal` runs it alone and `remit run` as one service beside the workers.
public func buildPortal(_ settings: PortalSettings, _ dependencies: PortalDependencies) async throws -> some ApplicationProtocol {
    let pages = try PageRenderer()
    let sessions = MemoryPersistDriver(.continuous)
    let router = Router(context: PortalRequestContext.self)
    router.add(
        middleware: SessionMiddleware(
            storage: sessions,
            configuration: .init(
                sessionCookieParameters: .init(
                    name: PortalCookies.session, path: "/", secure: settings.secureCookies, sameSite: .lax),
                keyPrefix: "portal.", defaultSessionExpiration: settings.sessionLifetime)))
    let channel = dependencies.channel
    router.add(
        middleware: SessionAuthenticator(context: PortalRequestContext.self) { (session: PortalSession, _) in
            try await channel.readChannel { try $0.buyerViews.buyer(login: session.login) }
        })
    router.add(middleware: PortalGuard(pages: pages, trustedProxies: settings.trustedProxies))

    // One limiter for the page's sign-in and the API's, so neither is a way around the other's count.
    let signIn = SignInCheck(
        dependencies: dependencies, limiter: SignInLimiter(limits: settings.signInLimits),
        standInHash: await dependencies.passwordHasher.hash(RandomToken.make()))
    SignInPages(settings: settings, pages: pages, check: signIn).register(on: router)
    BuyerPages(settings: settings, dependencies: dependencies, pages: pages).register(on: router)
    HealthCheck(channel: channel, publisher: dependencies.publisher).register(on: router)
    try BuyerAPI(settings: settings, dependencies: dependencies, signIn: signIn)
        .registerHandlers(
            on: router, serverURL: try Servers.Server1.url(),
            configuration: .init(jsonEncodingOptions: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]),
            middlewares: [APIErrorMiddleware(logger: dependencies.logger)])
    let document = try APIDocument.load()
    router.get("/api/v1/openapi.yaml") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: document)))
    }

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "remit-portal"),
        logger: dependencies.logger)
    app.addServices(sessions)
    // The broker connection lives as long as the portal: opened at start, closed on shutdown.
    if let publisher = dependencies.publisher as? any Service { app.addServices(publisher) }
    return app
}

/// The portal's cookie names.
enum PortalCookies {
    static let session = "remit_session"
    /// The sign-in form's CSRF token, before there is a session to keep it in.
    static let signIn = "remit_sign_in"
}

/// The portal's one gate. A signed-out user is sent to sign in (303) — or, calling the API, answered
/// 401. A POST whose `csrf` field is not the session's token (or, for sign-in, the sign-in
/// cookie's) is refused (403) before any handler runs, so no form can forget the check; an API call
/// that changes something carries the token in `X-CSRF-Token` instead. A path that is nowhere is
/// the portal's "not found", a page or a JSON problem.
struct PortalGuard: RouterMiddleware {
    typealias Context = PortalRequestContext
    /// Reached without signing in.
    static let openPaths: Set<String> = ["/sign-in", "/health", "/api/v1/openapi.yaml"]
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

/// The API's OpenAPI document, as the repository holds it (the code is generated from it).
enum APIDocument {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "openapi.yaml is not among the portal's resources" }
    }

    static func load() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw Missing() }
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// `/health`: 200 when the channel store answers a query and the broker connection is up, else 503.
struct HealthCheck: Sendable {
    let channel: any ChannelStoreReader
    let publisher: any CommandPublishing

    func register(on router: Router<PortalRequestContext>) {
        router.get("/health") { _, _ -> Response in
            let store: Bool
            do {
                try await channel.readChannel { try $0.buyerViews.checkReadable() }
                store = true
            } catch {
                store = false
            }
            let broker = await publisher.isConnected()
            let text = "store: \(store ? "ok" : "unavailable")\nbroker: \(broker ? "ok" : "unavailable")\n"
            return Response(
                status: store && broker ? .ok : .serviceUnavailable,
                headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
