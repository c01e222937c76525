import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore

/// The store does not hold what this worker wrote a moment ago.
struct StoreInconsistency: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
