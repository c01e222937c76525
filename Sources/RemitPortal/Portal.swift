import Foundation
import GRDB
import Hummingbird
import HummingbirdAuth
import Logging
import RemitCore
import RemitRuntime
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

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false, signInLimits: SignInLimiter.Limits = .init(),
        pageSize: Int = 50, sessionLifetime: Duration = .seconds(8 * 3600)
    ) {
        self.host = host
        self.port = port
        self.secureCookies = secureCookies
        self.signInLimits = signInLimits
        self.pageSize = pageSize
        self.sessionLifetime = sessionLifetime
    }

    public init(configuration: RemitConfiguration) throws {
        let listener = try configuration.portalListener()
        self.init(host: listener.host, port: listener.port, secureCookies: listener.secureCookies)
    }
}

/// What the portal reads from and publishes to. It reads the channel store and never writes it:
/// every change a buyer asks for is a command published with confirms, applied by the workers.
public struct PortalDependencies: Sendable {
    public var channel: any DatabaseReader
    public var publisher: any CommandPublishing
    /// Builds and checks the commands' envelopes, as every producer does.
    public var producer: Producer
    /// Only its cost matters: unknown logins are checked against a hash of that cost, so a wrong
    /// login takes as long as a wrong password.
    public var passwordHasher: PasswordHasher
    public var clock: any WallClock
    public var logger: Logger

    public init(
        channel: any DatabaseReader, publisher: any CommandPublishing, producer: Producer, passwordHasher: PasswordHasher,
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
            try await channel.read { try BuyerView.buyer($0, login: session.login) }
        })
    router.add(middleware: PortalGuard(pages: pages))

    SignInPages(
        settings: settings, dependencies: dependencies, pages: pages, limiter: SignInLimiter(limits: settings.signInLimits),
        standInHash: await dependencies.passwordHasher.hash(RandomToken.make())
    ).register(on: router)
    BuyerPages(settings: settings, dependencies: dependencies, pages: pages).register(on: router)
    HealthCheck(channel: channel, publisher: dependencies.publisher).register(on: router)

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

/// The portal's one gate: a signed-out user is sent to sign in (303), and a POST whose `csrf` field
/// is not the session's token — or, for sign-in, the sign-in cookie's — is refused (403) before any
/// handler runs, so no form can forget the check.
struct PortalGuard: RouterMiddleware {
    typealias Context = PortalRequestContext
    /// Reached without signing in.
    static let openPaths: Set<String> = ["/sign-in", "/health"]
    let pages: PageRenderer

    struct CSRFField: Decodable {
        var csrf: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isOpen = Self.openPaths.contains(path)
        if !isOpen, context.identity == nil {
            return .redirect(to: "/sign-in", type: .normal)
        }
        guard request.method == .post else { return try await next(request, context) }
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
        return try await next(request, context)
    }
}

/// `/health`: 200 when the channel store answers a query and the broker connection is up, else 503.
struct HealthCheck: Sendable {
    let channel: any DatabaseReader
    let publisher: any CommandPublishing

    func register(on router: Router<PortalRequestContext>) {
        router.get("/health") { _, _ -> Response in
            let store: Bool
            do {
                try await channel.read { try BuyerView.checkReadable($0) }
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
