import PostgresNIO
import RemitCore
import RemitStore

/// A dead-letter filter as the WHERE clause of PostgreSQL SQL, with its binds: the same conditions
/// as SQLite's. The reason matches the reason exactly or the error by substring, case-insensitive
/// for ASCII letters (SQLite's LIKE; ILIKE under the "C" collation folds only those), with % and _
/// taken literally.
struct PostgresDeadLetterFilter {
    private(set) var binds = PostgresBindings()
    private var conditions: [String] = ["TRUE"]

    init(_ filter: DeadLetterFilter) {
        if !filter.queues.isEmpty { conditions.append("dead_letter_queue = ANY(\(bind(filter.queues)))") }
        if let type = filter.type { conditions.append("message_type = \(bind(type))") }
        if let reason = filter.reason {
            let escaped = reason.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_")
            conditions.append(#"(reason = \#(bind(reason)) OR error ILIKE \#(bind("%\(escaped)%")) ESCAPE '\')"#)
        }
        if let since = filter.since { conditions.append("failed_at >= \(bind(Timestamp.format(since)))") }
        if let until = filter.until { conditions.append("failed_at < \(bind(Timestamp.format(until)))") }
        if !filter.messageIds.isEmpty { conditions.append("message_id = ANY(\(bind(filter.messageIds)))") }
    }

    private mutating func bind(_ value: String) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    private mutating func bind(_ value: [String]) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value` after the filter's own, for a condition added to its clause.
    mutating func bindMore(_ value: String) -> String { bind(value) }

    var whereClause: String { conditions.joined(separator: " AND ") }

    /// `SELECT columns FROM dead_letter WHERE …` plus `tail` (an ORDER BY, a LIMIT).
    func query(_ columns: String, _ tail: String = "") -> PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT \(columns) FROM dead_letter WHERE \(whereClause) \(tail)", binds: binds)
    }
}
