import Foundation
import Logging
import Metrics
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// What an accepted command produced.
struct Accepted {
    var paymentId: String?
    var requestId: String?
    var lineId: String?
    var followUps: [OutgoingMessage] = []
}
