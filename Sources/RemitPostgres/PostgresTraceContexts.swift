import PostgresNIO
import RemitCore
import RemitStore

/// `TraceContextQueries` on the channel store's `trace_context` table.
struct PostgresTraceContexts: TraceContextQueries {
    let session: PostgresSession

    func keep(_ trace: TraceContext, for item: TracedItem) throws {
        _ = try session.execute(
            """
            INSERT INTO trace_context (kind, key, trace_parent, trace_state)
            VALUES (\(item.kind.rawValue), \(item.key), \(trace.traceParent), \(trace.traceState))
            ON CONFLICT (kind, key) DO UPDATE SET trace_parent = EXCLUDED.trace_parent, trace_state = EXCLUDED.trace_state
            """)
    }

    func traces(of items: [TracedItem]) throws -> [TracedItem: TraceContext] {
        var found: [TracedItem: TraceContext] = [:]
        for (kind, keys) in Dictionary(grouping: items, by: \.kind) {
            let rows = try session.rows(
                "SELECT key, trace_parent, trace_state FROM trace_context WHERE kind = \(kind.rawValue) AND key = ANY(\(keys.map(\.key)))")
            for row in rows {
                guard let key = try? row["key"].decode(String.self), let parent = try? row["trace_parent"].decode(String.self),
                    let trace = TraceContext(traceParent: parent, traceState: (try? row["trace_state"].decode(String?.self)) ?? nil)
                else { continue }
                found[TracedItem(kind, key)] = trace
            }
        }
        return found
    }

    func forget(_ items: [TracedItem]) throws {
        for (kind, keys) in Dictionary(grouping: items, by: \.kind) {
            _ = try session.execute("DELETE FROM trace_context WHERE kind = \(kind.rawValue) AND key = ANY(\(keys.map(\.key)))")
        }
    }
}
