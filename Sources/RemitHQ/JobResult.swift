import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// What a job did: counts by what it counted, the messages it publishes, and the records it could
/// not send (they stay due).
public struct JobResult: Sendable {
    public var counts: [String: Int] = [:]
    public var followUps: [OutgoingMessage] = []
    /// Records held back because their message would be refused; named in the run's record.
    public var held: [DistributionHold] = []
    /// Messages the job did not send because they would be refused, each with its reason; what they
    /// were for stays due, and the run's record names them.
    public var unsent: [String] = []
    /// True when the job checked every follow-up itself (`JobContext.followUpCheck`), so the run
    /// does not check them again.
    public var followUpsChecked = false
    public init() {}
}
