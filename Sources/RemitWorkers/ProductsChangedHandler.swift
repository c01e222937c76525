import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct ProductsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<ProductsChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        for product in envelope.body.products {
            _ = try channel.channelUpdates.storeIfNewer(
                ChannelProduct(sku: product.sku, name: product.name, price: product.price, hqChangedAt: product.changedAt))
        }
        return []
    }
}
