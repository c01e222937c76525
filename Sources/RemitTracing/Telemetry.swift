import Instrumentation
import RemitCore
import Tracing

/// Remit's spans, on whichever tracer the process bootstrapped (OpenTelemetry's when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set, see RemitApp's `TracingSetup`; else the no-op tracer, whose
/// spans cost a few allocations and record nothing).
///
/// A trace crosses the broker and the stores as a `TraceContext`: `traceContext(of:)` writes a
/// span's context in W3C form through the bootstrapped propagator; `context(continuing:)` reads it
/// back into a service context to start the next span in. With tracing off, no context is made:
/// a context that came from outside is then carried on as it came (`carried`), so a producer's trace
/// still continues across a Remit that does not export.
public enum Telemetry {
    /// True when a tracer other than the no-op one is bootstrapped.
    public static var isTracing: Bool { !(InstrumentationSystem.tracer is NoOpTracer) }

    /// A service context whose span is the one `trace` names; the top-level context when nil.
    public static func context(continuing trace: TraceContext?) -> ServiceContext {
        var context = ServiceContext.topLevel
        guard let trace else { return context }
        var carrier = [TraceContext.traceParentHeader: trace.traceParent]
        if let state = trace.traceState { carrier[TraceContext.traceStateHeader] = state }
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: DictionaryExtractor())
        return context
    }

    /// The W3C context naming `context`'s span as a parent; nil when no tracer made one.
    public static func traceContext(of context: ServiceContext) -> TraceContext? {
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        guard let parent = carrier[TraceContext.traceParentHeader] else { return nil }
        return TraceContext(traceParent: parent, traceState: carrier[TraceContext.traceStateHeader])
    }

    /// The context `span` hands on: its own when a tracer made it, else `carried` (what came in).
    public static func traceContext(of span: any Span, carrying carried: TraceContext?) -> TraceContext? {
        traceContext(of: span.context) ?? carried
    }

    /// A span for one item a job carries on (a payment P-0001 uploads, a request the sync job
    /// handles): the child of the span the store kept for that item — so the click's trace goes on —
    /// and linked to the run doing it; a child of the run where the store kept none.
    public static func itemSpan(_ name: String, continuing stored: TraceContext?, run: TraceContext?) -> any Span {
        let span = startSpan(name, context: context(continuing: stored ?? run), ofKind: .internal)
        if stored != nil, let run { span.addLink(SpanLink(context: context(continuing: run), attributes: [:])) }
        return span
    }

    /// Links `span` to each of `others` (at most `limit`, as a batch span names the messages in it).
    public static func link(_ span: any Span, to others: some Sequence<TraceContext>, limit: Int = 128) {
        guard isTracing else { return }
        for other in others.prefix(limit) { span.addLink(SpanLink(context: context(continuing: other), attributes: [:])) }
    }
}

private struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

private struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
