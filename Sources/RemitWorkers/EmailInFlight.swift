import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore

/// Another delivery of the same request is being sent in this batch; this one retries later and
/// then finds the outcome in the ledger.
struct EmailInFlight: Error, CustomStringConvertible {
    let requestId: String
    var description: String { "an e-mail for request \(requestId) is being sent by another delivery" }
}
