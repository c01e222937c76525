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
    /// The shop printed on invoice PDFs; nil leaves the block out.
    public var seller: Seller?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false, signInLimits: SignInLimiter.Limits = .init(),
        pageSize: Int = 50, sessionLifetime: Duration = .seconds(8 * 3600), policy: StorefrontPolicy = StorefrontPolicy(),
        trustedProxies: Set<String> = [], seller: Seller? = nil
    ) {
        self.seller = seller
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
            policy: try configuration.storefrontPolicy(), trustedProxies: try configuration.portalTrustedProxies(),
            seller: try configuration.seller())
    }
}
