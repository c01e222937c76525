import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore
import RemitStore

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
