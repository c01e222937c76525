import Foundation
import RemitCore

// Bodies of the messages between HQ's jobs and the channel.

/// Start one run of an HQ job. Each job has its own message type (and queue, with a single active
/// consumer, so only one instance runs a given job at a time).
public protocol HQJobRun: MessageBody {
    /// The job's name as operators know it (`P-0001`, …).
    static var jobName: String { get }
    var requestedBy: String { get }
    init(requestedBy: String)
}
