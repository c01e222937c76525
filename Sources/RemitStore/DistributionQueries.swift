import Foundation

/// Distribution's own state: each stream's watermark, and the records it holds back.
public protocol DistributionQueries {
    /// Where `stream` continues; `.start` before its first run.
    func position(of stream: DistributionStream) throws -> DistributionPosition
    func move(_ stream: DistributionStream, to position: DistributionPosition) throws

    /// The keys held back in `stream`, oldest first.
    func heldKeys(of stream: DistributionStream) throws -> [String]
    /// Holds `key` back with `reason`; one held before keeps the time it was first held.
    func hold(_ stream: DistributionStream, key: String, reason: String, at: Date) throws
    /// `key` went out: it is no longer held.
    func release(_ stream: DistributionStream, key: String) throws
    /// Every held record, oldest first.
    func holds() throws -> [DistributionHold]
}
