import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// The `channel-updates` worker kind: applies what HQ distributed to the channel store the portal
/// reads. A snapshot older than the one stored never overwrites it (distribution may redeliver).
public enum ChannelUpdates {
    public static var handler: CompositeHandler {
        CompositeHandler([InvoicesChangedHandler(), CustomersChangedHandler(), RequestsChangedHandler(), ProductsChangedHandler()])
    }
}
