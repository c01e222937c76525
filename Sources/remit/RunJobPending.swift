import ArgumentParser
import Foundation
import Logging
import RemitApp
import RemitCore
import RemitMessages
import RemitOperations
import RemitHQ
import RemitStore

/// `hq run-job` gave up waiting; the run message is safely queued and runs when a worker takes it.
struct RunJobPending: Error, CustomStringConvertible {
    var job: String
    var runId: String
    var waited: Int
    var dataDirectory: String
    var description: String {
        "\(job) run \(runId) has no result after \(waited) s; it stays queued and runs when a worker for it is up "
            + "(remit run, or remit worker, with data directory \(dataDirectory)); `remit hq jobs` shows it then"
    }
}
