import Foundation
import GRDB
import RemitCore
import RemitStore

/// `TraceContextQueries` on the `trace_context` table, which the channel store and the HQ store
/// both have.
struct SQLiteTraceContexts: TraceContextQueries {
    let db: Database

    static func registerMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-trace-context") { db in
            try db.create(table: "trace_context", options: [.withoutRowID]) { t in
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull()
                t.column("trace_parent", .text).notNull()
                t.column("trace_state", .text)
                t.primaryKey(["kind", "key"])
            }
        }
    }

    func keep(_ trace: TraceContext, for item: TracedItem) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO trace_context (kind, key, trace_parent, trace_state) VALUES (?, ?, ?, ?)",
            arguments: [item.kind.rawValue, item.key, trace.traceParent, trace.traceState])
    }

    func traces(of items: [TracedItem]) throws -> [TracedItem: TraceContext] {
        var found: [TracedItem: TraceContext] = [:]
        for (kind, keys) in Dictionary(grouping: items, by: \.kind) {
            for chunk in Self.chunks(of: keys.map(\.key)) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT key, trace_parent, trace_state FROM trace_context WHERE kind = ? AND key IN (\(marks))",
                    arguments: StatementArguments([kind.rawValue] + chunk))
                while let row = try rows.next() {
                    guard let key = row["key"] as String?, let parent = row["trace_parent"] as String?,
                        let trace = TraceContext(traceParent: parent, traceState: row["trace_state"])
                    else { continue }
                    found[TracedItem(kind, key)] = trace
                }
            }
        }
        return found
    }

    func forget(_ items: [TracedItem]) throws {
        for (kind, keys) in Dictionary(grouping: items, by: \.kind) {
            for chunk in Self.chunks(of: keys.map(\.key)) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                try db.execute(
                    sql: "DELETE FROM trace_context WHERE kind = ? AND key IN (\(marks))",
                    arguments: StatementArguments([kind.rawValue] + chunk))
            }
        }
    }

    /// SQLite binds at most 32,766 variables; 500 keys a statement keeps statements small.
    static func chunks(of keys: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: keys.count, by: 500).map { keys[$0..<min($0 + 500, keys.count)] }
    }
}
