import RemitCore
import RemitStore
import RemitTracing
import Tracing

/// The spans of the items one job run carries on (the payments the sync job posts, the requests it
/// handles): each item's span continues the span its click left for it in the store, is linked to
/// the run, and its context is what the job keeps or sends on. While tracing only: otherwise it
/// reads nothing and makes nothing.
///
/// What was kept for the items is read and forgotten at once, in the run's transaction (rolled
/// back with it when the run fails).
final class JobTraces {
    private let kept: [TracedItem: TraceContext]
    private let run: TraceContext?
    private let tracing: Bool
    private var current: (any Span)?

    init(_ hq: any HQStoreTransaction, items: [TracedItem], run: TraceContext?) throws {
        self.run = run
        tracing = Telemetry.isTracing
        guard tracing, !items.isEmpty else {
            kept = [:]
            return
        }
        kept = try hq.traceContexts.traces(of: items)
        if !kept.isEmpty { try hq.traceContexts.forget(Array(kept.keys)) }
    }

    /// Ends the previous item's span and starts `item`'s; returns its context (nil when not tracing).
    func span(_ name: String, for item: TracedItem) -> TraceContext? {
        end()
        guard tracing else { return nil }
        let span = Telemetry.itemSpan(name, continuing: kept[item], run: run)
        span.attributes["remit.item.kind"] = item.kind.rawValue
        span.attributes["remit.item.id"] = item.key
        current = span
        return Telemetry.traceContext(of: span.context)
    }

    /// The current item failed: its span says why.
    func fail(_ reason: String) {
        current?.setStatus(SpanStatus(code: .error, message: String(reason.prefix(300))))
    }

    /// Ends the current item's span.
    func end() {
        current?.end()
        current = nil
    }
}
