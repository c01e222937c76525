import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitStore

/// What a job did: counts by what it counted, and the messages it publishes.
public struct JobResult: Sendable {
    public var counts: [String: Int] = [:]
    public var followUps: [OutgoingMessage] = []
    public init() {}
}

/// Facts about the run in progress.
public struct JobContext: Sendable {
    public var header: EnvelopeHeader
    public var now: Date
    public var today: CalendarDate { CalendarDate(now) }

    public init(header: EnvelopeHeader, now: Date) {
        self.header = header
        self.now = now
    }
}

/// An HQ job whose work is all in the HQ store: it runs in the worker's HQ transaction, together
/// with the inbox record and its run record, so its effects and the messages it publishes commit
/// as one.
public protocol HQJob: Sendable {
    associatedtype Run: HQJobRun
    func run(_ db: Database, context: JobContext) throws -> JobResult
}
