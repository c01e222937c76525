import Foundation
import GRDB
import RemitStore

/// The dead-letter queries on the operations store in SQLite.
struct SQLiteDeadLetters: DeadLetterQueries {
    let db: Database
    private typealias Columns = DeadLetter.Columns

    func store(_ letter: DeadLetter) throws -> Bool {
        try letter.insertUnlessKnown(db, keys: [Columns.messageId, Columns.deadLetterQueue, Columns.failedAt, Columns.bodyDigest])
    }

    func matching(_ filter: DeadLetterFilter, limit: Int?) throws -> [DeadLetter] {
        try request(filter).limit(limit ?? Int.max).fetchAll(db)
    }

    func matching(_ filter: DeadLetterFilter, in group: DeadLetter.Group, limit: Int?) throws -> [DeadLetter] {
        try request(filter).filter(Columns.reason == group.reason && Columns.error == group.error).limit(limit ?? Int.max)
            .fetchAll(db)
    }

    func ids(_ filter: DeadLetterFilter, limit: Int?) throws -> [Int64] {
        try request(filter).select(Columns.id, as: Int64.self).limit(limit ?? Int.max).fetchAll(db)
    }

    func load(ids: [Int64]) throws -> [DeadLetter] {
        try DeadLetter.filter(ids.contains(Columns.id)).order(Columns.id).fetchAll(db)
    }

    func count(_ filter: DeadLetterFilter) throws -> Int {
        try filter.apply(to: DeadLetter.all()).fetchCount(db)
    }

    func groups(_ filter: DeadLetterFilter) throws -> [DeadLetter.Group] {
        try filter.apply(to: DeadLetter.all()).select(Columns.reason, Columns.error, GRDB.count(Column.rowID).forKey("n"))
            .group(Columns.reason, Columns.error).order(SQL("n DESC"), Columns.reason, Columns.error)
            .asRequest(of: Row.self).fetchAll(db)
            .map { DeadLetter.Group(reason: $0["reason"], error: $0["error"], count: $0["n"]) }
    }

    func keptByQueue() throws -> [String: DeadLetter.Kept] {
        var kept: [String: DeadLetter.Kept] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT dead_letter_queue, COUNT(*) AS n, MIN(failed_at) AS oldest FROM dead_letter GROUP BY dead_letter_queue")
        {
            let queue: String = row["dead_letter_queue"]
            guard let oldest = try StoredRow(row, table: "dead_letter", key: queue).optionalTimestamp("oldest") else { continue }
            kept[queue] = DeadLetter.Kept(count: row["n"], oldestFailedAt: oldest)
        }
        return kept
    }

    @discardableResult
    func delete(ids: [Int64]) throws -> Int {
        try DeadLetter.filter(ids.contains(Columns.id)).deleteAll(db)
    }

    private func request(_ filter: DeadLetterFilter) -> QueryInterfaceRequest<DeadLetter> {
        filter.apply(to: DeadLetter.all()).order(Columns.failedAt, Columns.id)
    }
}
