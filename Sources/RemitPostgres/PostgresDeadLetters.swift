import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The dead-letter queries (`DeadLetterQueries`) on the operations store in PostgreSQL.
struct PostgresDeadLetters: DeadLetterQueries {
    let session: PostgresSession

    // ON CONFLICT DO NOTHING on the letter's identity: the same letter collected by two hosts at
    // once (a redelivery) is stored once; the second waits for the first's commit and finds it.
    func store(_ letter: DeadLetter) throws -> Bool {
        try session.execute(
            """
            INSERT INTO dead_letter (message_id, message_type, correlation_id, dead_letter_queue, worker, original_queue,
                original_exchange, original_routing_key, reason, error, attempts, failed_at, properties, body, body_digest,
                collected_at, replay_count)
            VALUES (\(letter.messageId), \(letter.messageType), \(letter.correlationId), \(letter.deadLetterQueue), \(letter.worker),
                \(letter.originalQueue), \(letter.originalExchange), \(letter.originalRoutingKey), \(letter.reason), \(letter.error),
                \(Int64(letter.attempts)), \(Timestamp.format(letter.failedAt)), \(letter.properties), \(letter.body),
                \(letter.bodyDigest), \(Timestamp.format(letter.collectedAt)), \(Int64(letter.replayCount)))
            ON CONFLICT (message_id, dead_letter_queue, failed_at, body_digest) DO NOTHING
            """) > 0
    }

    private static func limit(_ limit: Int?) -> String { limit.map { "LIMIT \(max(0, $0))" } ?? "" }

    func matching(_ filter: DeadLetterFilter, limit: Int?) throws -> [DeadLetter] {
        try session.rows(PostgresDeadLetterFilter(filter).query("*", "ORDER BY failed_at, id \(Self.limit(limit))"))
            .map(DeadLetter.init(postgres:))
    }

    func matching(_ filter: DeadLetterFilter, in group: DeadLetter.Group, limit: Int?) throws -> [DeadLetter] {
        var narrowed = PostgresDeadLetterFilter(filter)
        let reason = narrowed.bindMore(group.reason)
        let error = narrowed.bindMore(group.error)
        return try session.rows(
            narrowed.query("*", "AND reason = \(reason) AND error = \(error) ORDER BY failed_at, id \(Self.limit(limit))")
        ).map(DeadLetter.init(postgres:))
    }

    func ids(_ filter: DeadLetterFilter, limit: Int?) throws -> [Int64] {
        try session.rows(PostgresDeadLetterFilter(filter).query("id", "ORDER BY failed_at, id \(Self.limit(limit))"))
            .map { try $0[0].decode(Int64.self) }
    }

    func load(ids: [Int64]) throws -> [DeadLetter] {
        try session.rows("SELECT * FROM dead_letter WHERE id = ANY(\(ids)) ORDER BY id").map(DeadLetter.init(postgres:))
    }

    func count(_ filter: DeadLetterFilter) throws -> Int {
        Int(try session.row(PostgresDeadLetterFilter(filter).query("COUNT(*)"))?[0].decode(Int64.self) ?? 0)
    }

    func groups(_ filter: DeadLetterFilter) throws -> [DeadLetter.Group] {
        try session.rows(
            PostgresDeadLetterFilter(filter).query("reason, error, COUNT(*) AS n", "GROUP BY reason, error ORDER BY n DESC, reason, error")
        ).map {
            DeadLetter.Group(
                reason: try $0["reason"].decode(String.self), error: try $0["error"].decode(String.self),
                count: Int(try $0["n"].decode(Int64.self)))
        }
    }

    func keptByQueue() throws -> [String: DeadLetter.Kept] {
        var kept: [String: DeadLetter.Kept] = [:]
        let rows = try session.rows(
            "SELECT dead_letter_queue, COUNT(*) AS n, MIN(failed_at) AS oldest FROM dead_letter GROUP BY dead_letter_queue")
        for row in rows {
            let stored = PostgresStoredRow(row, table: "dead_letter", keyColumn: "dead_letter_queue")
            guard let oldest = try stored.optionalTimestamp("oldest") else { continue }
            kept[try stored.string("dead_letter_queue")] = DeadLetter.Kept(count: try stored.int("n"), oldestFailedAt: oldest)
        }
        return kept
    }

    @discardableResult
    func delete(ids: [Int64]) throws -> Int {
        try session.execute("DELETE FROM dead_letter WHERE id = ANY(\(ids))")
    }
}
