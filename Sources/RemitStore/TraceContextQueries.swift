import RemitCore

/// Where a click's trace goes on across the jobs: the span context the step that made an item left
/// for it, read by the job that carries the item on, which starts the item's span there and leaves
/// its own for the next job (`remit` traces: the click, the command, the worker, P-0001, the sync
/// job, distribution, the e-mail — one trace). Kept only while tracing; each job forgets what it
/// carried on, and a later change of the same item replaces it, so the table stays as small as the
/// work in flight.
public protocol TraceContextQueries {
    /// Keeps `trace` for `item`, replacing what was kept for it.
    func keep(_ trace: TraceContext, for item: TracedItem) throws
    /// What is kept for `items`; a row that is not a valid W3C context (the store is input too) is
    /// left out, as if none were kept.
    func traces(of items: [TracedItem]) throws -> [TracedItem: TraceContext]
    /// Forgets what was kept for `items`.
    func forget(_ items: [TracedItem]) throws
}
