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
