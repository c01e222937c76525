import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// An HQ job whose work is all in the HQ store: it runs in the worker's HQ transaction, together
/// with the inbox record and its run record, so its effects and the messages it publishes commit
/// as one.
public protocol HQJob: Sendable {
    associatedtype Run: HQJobRun
    func run(_ hq: any HQStoreTransaction, context: JobContext) throws -> JobResult
}
