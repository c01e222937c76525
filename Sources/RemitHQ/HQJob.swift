import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// An HQ job whose work is all in the HQ store: it runs in the worker's HQ transaction, together
/// with the inbox record and its run record, so its effects and the messages it publishes commit
/// as one.
public protocol HQJob: Sendable {
    associatedtype Run: HQJobRun
    func run(_ db: Database, context: JobContext) throws -> JobResult
}
