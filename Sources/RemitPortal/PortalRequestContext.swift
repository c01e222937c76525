import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore
import RemitStore

/// What the portal keeps per signed-in browser (in memory, keyed by the session cookie).
public struct PortalSession: Codable, Sendable, Equatable {
    public var login: String
    /// Every form of the session carries it; a POST without it is refused (CSRF).
    public var csrfToken: String
    /// The commands this session sent, newest last, so their pages can show them as pending
    /// before their outcome is recorded (and nobody else's).
    public var commands: [SentCommand]

    public static let keptCommands = 50
}

/// A command the portal published for the session's user.
public struct SentCommand: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var invoiceNumber: String
}

/// A request's context: its session, the signed-in buyer (read from the channel store on every
/// request, so a user HQ removed is signed out), and the client's address for the sign-in limit.
public struct PortalRequestContext: AuthRequestContext, SessionRequestContext, RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: BuyerView.Buyer?
    public let sessions: SessionContext<PortalSession>
    /// The peer's IP address; "unknown" when the channel has none (the in-process test client).
    public let clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        sessions = .init()
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The client's address: the peer's, or — when the peer is a trusted proxy — the last address in
    /// `X-Forwarded-For` that is not a trusted proxy itself (the one the nearest proxy saw).
    func clientAddress(of request: Request, trusting proxies: Set<String>) -> String {
        guard proxies.contains(clientAddress.lowercased()) else { return clientAddress }
        let forwarded = request.headers[values: HTTPField.Name("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for address in forwarded.reversed() where !proxies.contains(address) {
            guard !address.isEmpty, address.count <= 45, address.allSatisfy({ $0.isHexDigit || ".:".contains($0) }) else {
                return clientAddress
            }
            return address
        }
        return clientAddress
    }

    /// Forms are small; nothing the portal takes is larger.
    public var maxUploadSize: Int { 64 * 1024 }
    public var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }
}

/// Random tokens for sessions' CSRF protection and the sign-in form.
enum RandomToken {
    /// 32 random bytes, base64url without padding (safe in cookies, forms and URLs).
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares without returning early, so the time taken says nothing about where they differ.
    static func matches(_ given: String?, _ expected: String?) -> Bool {
        guard let given, let expected, !expected.isEmpty else { return false }
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
