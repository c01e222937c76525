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

    /// The run a job that stopped at its limit publishes to go on (`continued=1` in its record),
    /// checked as its consumer will check it: a run that cannot continue fails, nothing of it sent.
    public func nextRun<Run: HQJobRun>(_ run: Run) throws -> OutgoingMessage {
        let next = try OutgoingMessage(header.followUp(run, key: "continue", occurredAt: now, actingUser: "system:hq"))
        if let problems = followUpCheck?.problems(of: next), !problems.isEmpty {
            throw UnsendableMessage(message: next, problems: problems)
        }
        return next
    }

    public init(header: EnvelopeHeader, now: Date, followUpCheck: FollowUpCheck? = nil, trace: TraceContext? = nil) {
        self.trace = trace
        self.header = header
        self.now = now
        self.followUpCheck = followUpCheck
    }
}
