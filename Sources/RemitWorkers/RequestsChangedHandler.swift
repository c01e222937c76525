import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct RequestsChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<RequestsChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        for change in envelope.body.requests {
            // The message schema allows only the channel's statuses.
            guard let status = B2BRequest.Status(rawValue: change.status) else {
                throw BadInput("request \(change.requestId) has an unknown status '\(change.status.prefix(40))'")
            }
            try channel.channelUpdates.applyRequestChange(requestId: change.requestId, status: status, detail: change.detail, at: change.at)
        }
        return []
    }
}
