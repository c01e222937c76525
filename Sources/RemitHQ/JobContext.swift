import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// Facts about the run in progress.
public struct JobContext: Sendable {
    public var header: EnvelopeHeader
    public var now: Date
    public var today: CalendarDate { CalendarDate(now) }
    /// What every message the job returns must pass (the worker's; nil only in tests that run a job
    /// by hand).
    public var followUpCheck: FollowUpCheck?
    /// The span processing the run's message: the items' spans link to it, and what the run sends
    /// continues it unless it continues an item's.
    public var trace: TraceContext?

    public init(header: EnvelopeHeader, now: Date, followUpCheck: FollowUpCheck? = nil, trace: TraceContext? = nil) {
        self.trace = trace
        self.header = header
        self.now = now
        self.followUpCheck = followUpCheck
    }
}
