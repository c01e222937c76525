import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIHummingbird
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import ServiceLifecycle

/// The buyer portal as a Hummingbird application: tests run it in process with HummingbirdTesting,
/// `remit portal` runs it alone and `remit run` as one service beside the workers.
public func buildPortal(_ settings: PortalSettings, _ dependencies: PortalDependencies) async throws -> some ApplicationProtocol {
    let pages = try PageRenderer()
    // In the channel store, so every portal process knows every session and a restart keeps them.
    let sessions = StoreSessionDriver(
        store: dependencies.channel, clock: dependencies.clock, defaultLifetime: settings.sessionLifetime, logger: dependencies.logger)
    let router = Router(context: PortalRequestContext.self)
    // A span per request (continuing a `traceparent` sent; the click's command continues it; no header
    // recorded), then requests by status class and their duration for Prometheus, which sees every answer.
    router.add(middleware: TracingMiddleware())
    router.add(middleware: PortalMetrics())
    // Next, so a store failing anywhere (loading the session or the buyer, a handler, saving) is its 503.
    router.add(middleware: StoreOutage(pages: pages))
    router.add(
        middleware: PortalSessionMiddleware(
            driver: sessions,
            cookie: .init(name: PortalCookies.session, path: "/", secure: settings.secureCookies, sameSite: .lax),
            lifetime: settings.sessionLifetime))
    let channel = dependencies.channel
    router.add(
        middleware: SessionAuthenticator(context: PortalRequestContext.self) { (session: PortalSession, _) in
            try await channel.readChannel { try $0.buyerViews.buyer(login: session.login) }
        })
    router.add(middleware: PortalGuard(pages: pages, trustedProxies: settings.trustedProxies))

    // One limiter for the page's sign-in and the API's, so neither is a way around the other's count
    // (and, in the channel store, one for every portal process).
    let signIn = SignInCheck(
        dependencies: dependencies, limiter: SignInLimiter(limits: settings.signInLimits, store: channel),
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
    // The producers' contract beside the API's: the public commands and their answer (AsyncAPI 3.0),
    // made from the topology this portal publishes with.
    let asyncAPI = try AsyncAPIDocument.text(from: dependencies.producer.topology)
    router.get("/api/v1/asyncapi.json") { _, _ -> Response in
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: asyncAPI)))
    }

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "remit-portal"),
        logger: dependencies.logger)
    // The broker connection lives as long as the portal: opened at start, closed on shutdown.
    if let publisher = dependencies.publisher as? any Service { app.addServices(publisher) }
    return app
}
