/// The dead letters the operations store keeps: what collecting, listing, grouping, replaying and
/// purging run. Lists are in the order the letters failed (then were collected).
public protocol DeadLetterQueries {
    /// Stores `letter` unless the same one is stored already (a redelivery: same message id, queue,
    /// failure time and body); returns whether it was new.
    func store(_ letter: DeadLetter) throws -> Bool

    /// Matching dead letters, at most `limit`.
    func matching(_ filter: DeadLetterFilter, limit: Int?) throws -> [DeadLetter]

    /// The matching dead letters of one group, at most `limit`.
    func matching(_ filter: DeadLetterFilter, in group: DeadLetter.Group, limit: Int?) throws -> [DeadLetter]

    /// The ids of matching dead letters, in order: the replayer loads them in batches.
    func ids(_ filter: DeadLetterFilter, limit: Int?) throws -> [Int64]

    /// The dead letters with `ids`, in id order.
    func load(ids: [Int64]) throws -> [DeadLetter]

    func count(_ filter: DeadLetterFilter) throws -> Int

    /// Matching dead letters grouped by reason and error, largest group first.
    func groups(_ filter: DeadLetterFilter) throws -> [DeadLetter.Group]

    /// Per dead-letter queue: how many the store keeps and when the oldest of them failed.
    func keptByQueue() throws -> [String: DeadLetter.Kept]

    /// Deletes the dead letters with `ids`; returns how many there were.
    @discardableResult
    func delete(ids: [Int64]) throws -> Int
}
