import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// What a job did: counts by what it counted, the messages it publishes, and the records it could
/// not send (they stay due).
public struct JobResult: Sendable {
    public var counts: [String: Int] = [:]
    public var followUps: [OutgoingMessage] = []
    /// Records held back because their message would be refused; named in the run's record.
    public var held: [DistributionHold] = []
    /// True when the job checked every follow-up itself (`JobContext.followUpCheck`), so the run
    /// does not check them again.
    public var followUpsChecked = false
    public init() {}
}

/// Facts about the run in progress.
public struct JobContext: Sendable {
    public var header: EnvelopeHeader
    public var now: Date
    public var today: CalendarDate { CalendarDate(now) }
    /// What every message the job returns must pass (the worker's; nil only in tests that run a job
    /// by hand).
    public var followUpCheck: FollowUpCheck?

    public init(header: EnvelopeHeader, now: Date, followUpCheck: FollowUpCheck? = nil) {
        self.header = header
        self.now = now
        self.followUpCheck = followUpCheck
    }
}

/// An HQ job whose work is all in the HQ store: it runs in the worker's HQ transaction, together
/// with the inbox record and its run record, so its effects and the messages it publishes commit
/// as one.
public protocol HQJob: Sendable {
    associatedtype Run: HQJobRun
    func run(_ db: Database, context: JobContext) throws -> JobResult
}
