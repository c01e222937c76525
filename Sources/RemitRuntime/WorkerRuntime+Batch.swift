import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import RemitTracing
import Synchronization
import Tracing

/// One batch: decoded, applied through the store, its effects performed, then settled.
extension WorkerRuntime {
    enum Outcome {
        case applied([OutgoingMessage])
        /// Committed the intent of an effect outside the store; to perform, then record.
        case effect(any Sendable)
        case retry(attempt: Int, error: String)
        case deadLetter(DeadLetterReason, attempt: Int, error: String)
    }

    /// What the second stage publishes and acks for one batch.
    struct SettlementBatch: Sendable {
        var publishes: [OutboundMessage]
        var lastDeliveryTag: UInt64
        var applied: Int
        var retried: Int
        var deadLettered: Int
        /// Each message's `process` span, ended once the batch is acked.
        var spans: [any Span]
        var failed: Int { retried + deadLettered }
    }

    /// Publishes a batch's follow-ups, retries and dead letters with confirms, then acks the batch.
    /// Throws when the broker connection failed; then nothing of the batch is acked and the broker
    /// redelivers it (the inbox makes that harmless).
    func settle(
        _ batches: [SettlementBatch], publishingOn publisher: AMQPConnection,
        ackingOn connection: AMQPConnection
    ) async throws {
        let publishes = batches.flatMap(\.publishes)
        let spans = batches.flatMap(\.spans)
        let started = ContinuousClock.now
        if !publishes.isEmpty {
            let confirm = Self.batchSpan("publish and confirm", of: spans)
            confirm.attributes["messaging.batch.message_count"] = publishes.count
            defer { confirm.end() }
            do {
                try await publisher.publish(publishes)
            } catch {
                confirm.recordError(error)
                throw error
            }
            metrics.confirmLatency.record(duration: ContinuousClock.now - started)
        }
        // After the commit and the confirms; the settling stage does not wait for it to be sent.
        try connection.ackWithoutWaiting(batches.last!.lastDeliveryTag, multiple: true)
        for span in spans { span.end() }
        let applied = batches.reduce(0) { $0 + $1.applied }
        let retried = batches.reduce(0) { $0 + $1.retried }
        let deadLettered = batches.reduce(0) { $0 + $1.deadLettered }
        appliedTotal.add(applied, ordering: .relaxed)
        let settled = settledTotal.add(applied + retried + deadLettered, ordering: .relaxed).newValue
        metrics.inFlight.record(receivedTotal.load(ordering: .relaxed) - settled)
        if applied > 0 { metrics.applied.increment(by: applied) }
        if retried > 0 { metrics.retried.increment(by: retried) }
        if deadLettered > 0 { metrics.deadLettered.increment(by: deadLettered) }
    }

    /// Where `delivery` asks its answer to go; nil when nowhere, or somewhere Remit does not answer
    /// (logged once per reason, so a producer's misconfiguration shows without flooding the log).
    func replyAddress(of delivery: Delivery, messageId: String) -> ReplyAddress? {
        do {
            return try ReplyAddress.from(
                replyTo: delivery.properties.replyTo, correlationId: delivery.properties.correlationId, topology: topology)
        } catch {
            guard loggedReplyRefusals.withLock({ $0.insert(error).inserted }) else { return nil }
            logger.info(
                "reply_to refused: the command is applied but not answered (logged once per reason)",
                metadata: [
                    "message_id": "\(messageId)",
                    "reply_to": "\(String(reflecting: String(delivery.properties.replyTo?.prefix(80) ?? "")))",
                    "reason": "\(error)",
                ])
            return nil
        }
    }

    /// A delivery read into a message, with where it sits in its batch and its content's digest.
    typealias Decoded = (index: Int, message: IncomingMessage, digest: String)

    /// A batch read: each delivery's outcome where reading decided it already (a dead letter for
    /// bad input), and the messages to apply.
    struct DecodedBatch: Sendable {
        var deliveries: [Delivery]
        var outcomes: [Outcome?]
        var messages: [Decoded]
        var receivedAt: Date
        /// Each delivery's `process` span, by its place in the batch.
        var spans: [any Span]
        /// What each delivery's follow-ups continue (`IncomingMessage.trace`), by its place.
        var traces: [TraceContext?]

        /// Ends the spans of a batch that is not settled (a drain stopped it; the broker redelivers it).
        func abandon() {
            for span in spans {
                span.addEvent("not settled: the worker stopped; the broker delivers it again")
                span.end()
            }
        }
    }

    /// Decodes a batch and applies it to the store (`decode`, then `apply`).
    func prepare(_ batch: [Delivery]) async -> SettlementBatch? {
        await apply(decode(batch))
    }

    /// Reads every delivery of a batch: the first stage, apart from the store.
    func decode(_ batch: [Delivery]) -> DecodedBatch {
        let receivedAt = clock.now()
        let (spans, traces) = processSpans(of: batch)
        let (outcomes, decoded) = decodeAll(batch, traces: traces, receivedAt: receivedAt)
        return DecodedBatch(deliveries: batch, outcomes: outcomes, messages: decoded, receivedAt: receivedAt, spans: spans, traces: traces)
    }

    /// A `process` span per delivery, continuing the trace its headers carry, and what its
    /// follow-ups continue: the span's context, or (tracing off) the headers' as it came.
    private func processSpans(of batch: [Delivery]) -> ([any Span], [TraceContext?]) {
        let carried = batch.map { $0.properties.headers.isEmpty ? nil : TraceContext(headers: $0.properties.headers) }
        // Tracing off: one no-op span stands for every message, and nothing is made per message.
        guard Telemetry.isTracing else {
            return ([any Span](repeating: NoOpTracer.NoOpSpan(context: .topLevel), count: batch.count), carried)
        }
        var spans: [any Span] = []
        var traces: [TraceContext?] = []
        spans.reserveCapacity(batch.count)
        traces.reserveCapacity(batch.count)
        for (delivery, carried) in zip(batch, carried) {
            // A retry comes back through its tier (the default exchange, the queue's name): the span
            // names where the message was first published, as its failure headers say.
            let headers = delivery.properties.headers
            let (exchange, routingKey) =
                delivery.exchange == topology.workers.exchange
                ? (delivery.exchange, delivery.routingKey)
                : (
                    String((headers[RemitHeader.originalExchange]?.stringValue ?? delivery.exchange).prefix(128)),
                    String((headers[RemitHeader.originalRoutingKey]?.stringValue ?? delivery.routingKey).prefix(128))
                )
            let span = MessagingSpan.process(
                .init(
                    exchange: exchange, routingKey: routingKey, messageID: delivery.properties.messageId,
                    correlationID: delivery.properties.correlationId, bodySize: delivery.body.count),
                queue: kind.queue,
                attempt: (try? AttemptHeader.read(delivery.properties.headers, retryTiers: kind.retryQueues.count).get()) ?? 1,
                redelivered: delivery.redelivered, continuing: carried)
            spans.append(span)
            traces.append(Telemetry.traceContext(of: span, carrying: carried))
        }
        return (spans, traces)
    }

    /// A span for work done for a whole batch (its store transaction, its confirms): the child of
    /// the first message's span, linked to every message's.
    static func batchSpan(_ name: String, of spans: [any Span]) -> any Span {
        guard let first = spans.first, first.isRecording else { return startSpan(name, context: .topLevel) }
        let span = startSpan(name, context: first.context, ofKind: .internal)
        for other in spans.dropFirst().prefix(127) { span.addLink(SpanLink(context: other.context, attributes: [:])) }
        span.attributes["remit.batch.messages"] = spans.count
        return span
    }

    /// Applies a decoded batch to the store; returns what to publish and ack, or nil when a drain
    /// began while the store was unavailable (nothing of the batch is settled then).
    func apply(_ batch: DecodedBatch) async -> SettlementBatch? {
        let receivedAt = batch.receivedAt
        let started = ContinuousClock.now
        defer { metrics.batchDuration.record(duration: ContinuousClock.now - started) }
        var outcomes = batch.outcomes
        let decoded = batch.messages
        // In transactions of the store's size (the whole batch on SQLite): a part committed before
        // a drain or a crash is a duplicate when the broker redelivers the batch.
        let part = max(1, store.messagesPerTransaction ?? decoded.count)
        for start in stride(from: 0, to: decoded.count, by: part) {
            let slice = Array(decoded[start..<min(start + part, decoded.count)])
            let transaction = Self.batchSpan("store transaction", of: slice.map { batch.spans[$0.index] })
            transaction.attributes["db.system.name"] = store.path.hasPrefix("postgres") ? "postgresql" : "sqlite"
            let applied = await untilTheStoreAnswers({ try await self.apply(slice, at: receivedAt) })
            transaction.end()
            guard let applied else { return nil }
            for (index, outcome) in applied { outcomes[index] = outcome }
            recordVisibility(of: slice, outcomes)
        }
        if let effects = handler as? any ExternalEffectHandler {
            guard await perform(effects, of: decoded, into: &outcomes, receivedAt: receivedAt) else { return nil }
        }
        return settlement(of: batch, outcomes.map { $0! }, receivedAt: receivedAt)
    }

    /// Each delivery read: a message to apply, or its outcome already (a dead letter for bad input).
    private func decodeAll(_ batch: [Delivery], traces: [TraceContext?], receivedAt: Date) -> ([Outcome?], [Decoded]) {
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var decoded: [Decoded] = []
        for (index, delivery) in batch.enumerated() {
            let attempt: Int
            switch AttemptHeader.read(delivery.properties.headers, retryTiers: kind.retryQueues.count) {
            case .success(let value): attempt = value
            case .failure(let badHeader):
                outcomes[index] = .deadLetter(.badInput, attempt: 1, error: badHeader.reason)
                continue
            }
            switch decode(delivery) {
            case .success(let (header, body)):
                let message = IncomingMessage(
                    header: header, body: body, attempt: attempt, receivedAt: receivedAt,
                    reply: replyAddress(of: delivery, messageId: header.id), trace: traces[index])
                decoded.append((index, message, ContentDigest.sha256(delivery.body)))
            case .failure(let badInput):
                outcomes[index] = .deadLetter(.badInput, attempt: attempt, error: badInput.reason)
            }
        }
        return (outcomes, decoded)
    }

    /// Committed: the messages applied are visible in the store from now on.
    private func recordVisibility(of decoded: [Decoded], _ outcomes: [Outcome?]) {
        let visibleAt = Date()
        for (index, message, _) in decoded {
            guard case .applied = outcomes[index] else { continue }
            let nanoseconds = max(0, visibleAt.timeIntervalSince(message.header.occurredAt) * 1_000_000_000)
            metrics.visibleLatency.recordNanoseconds(Int64(min(nanoseconds, 8.64e15)))
        }
    }

    /// Effects outside the store run after the transaction that recorded their intent committed:
    /// the batch's effects at once (a transport may overlap them — the file outbox's fsyncs share
    /// journal commits), then their outcomes recorded in one transaction, each message in a
    /// savepoint of its own. A second copy of a message in the batch (a publisher's resend) waits
    /// for the first: once the first is applied it is its duplicate, its effect not performed again.
    /// False when a drain began while the store or the effect's far side did not answer.
    private func perform(
        _ effects: any ExternalEffectHandler, of decoded: [Decoded], into outcomes: inout [Outcome?], receivedAt: Date
    ) async -> Bool {
        var pending = decoded.filter { if case .effect = outcomes[$0.index] { true } else { false } }
        while !pending.isEmpty {
            var round: [(entry: Decoded, effect: any Sendable)] = []
            var later: [Decoded] = []
            var ids: Set<String> = []
            for entry in pending {
                guard case .effect(let effect) = outcomes[entry.index] else { continue }
                if ids.insert(entry.message.header.id).inserted { round.append((entry, effect)) } else { later.append(entry) }
            }
            let results = await performAll(round.map { ($0.entry.message, $0.effect) }, by: effects, at: receivedAt)
            // What was performed is recorded even when a drain stopped the rest: the ledger then
            // knows, and a redelivery does not perform it again.
            let performed = zip(round, results).compactMap { item, result in result.map { (item.entry, item.effect, $0) } }
            guard
                let recorded = await untilTheStoreAnswers({
                    try await self.recordEffects(performed, by: effects, at: receivedAt)
                })
            else { return false }
            for (index, outcome) in recorded { outcomes[index] = outcome }
            guard performed.count == round.count else { return false }
            pending = []
            for copy in later {
                guard
                    let duplicate = await untilTheStoreAnswers({
                        try await self.recordedOutcome(of: copy.message, digest: copy.digest)
                    })
                else { return false }
                if let duplicate { outcomes[copy.index] = duplicate } else { pending.append(copy) }
            }
        }
        return true
    }

    /// Performs `effects` at once, each until its far side answers; a nil result where a drain began first.
    private func performAll(
        _ effects: [(message: IncomingMessage, effect: any Sendable)], by handler: any ExternalEffectHandler, at receivedAt: Date
    ) async -> [EffectOutcome?] {
        await withTaskGroup(of: (Int, EffectOutcome?).self) { group in
            for (position, (message, effect)) in effects.enumerated() {
                let context = self.context(for: message, at: receivedAt)
                group.addTask { (position, await self.performUntilAvailable(effect, by: handler, for: message, context: context)) }
            }
            var results = [EffectOutcome?](repeating: nil, count: effects.count)
            for await (position, result) in group { results[position] = result }
            return results
        }
    }

    /// What to publish and ack for the batch, given every delivery's outcome.
    private func settlement(of batch: DecodedBatch, _ outcomes: [Outcome], receivedAt: Date) -> SettlementBatch {
        var settlement = SettlementBatch(
            publishes: [], lastDeliveryTag: batch.deliveries.last!.deliveryTag, applied: 0, retried: 0, deadLettered: 0,
            spans: batch.spans)
        for (position, (delivery, outcome)) in zip(batch.deliveries, outcomes).enumerated() {
            let span = batch.spans[position]
            switch outcome {
            case .applied(let followUps):
                settlement.applied += 1
                // A follow-up continues the message's span, unless it continues its own (a job item's).
                let trace = batch.traces[position]
                settlement.publishes += followUps.map { followUp in
                    var followUp = followUp
                    if followUp.trace == nil { followUp.trace = trace }
                    return followUp.outbound(on: topology, at: receivedAt)
                }
            case .effect:
                preconditionFailure("every effect was performed and recorded before the batch settles")
            case .retry(let attempt, let error):
                let message = retryOrDeadLetter(delivery, attempt: attempt, error: error)
                if message.exchange == topology.workers.deadLetterExchange { settlement.deadLettered += 1 } else { settlement.retried += 1 }
                settlement.publishes.append(message)
                Self.record(
                    span, failed: message.exchange == topology.workers.deadLetterExchange ? "dead-lettered" : "retried", attempt, error)
            case .deadLetter(let reason, let attempt, let error):
                settlement.deadLettered += 1
                settlement.publishes.append(deadLetter(delivery, reason: reason, attempt: attempt, error: error))
                Self.record(span, failed: "dead-lettered (\(reason.rawValue))", attempt, error)
            }
        }
        return settlement
    }

    /// A message that was not applied: the span says what became of it, and why, in the words a
    /// dead letter's `x-remit-error` carries (which never hold secrets).
    private static func record(_ span: any Span, failed what: String, _ attempt: Int, _ error: String) {
        guard span.isRecording else { return }
        span.attributes["remit.attempt"] = attempt
        span.attributes["remit.outcome"] = what
        span.setStatus(SpanStatus(code: .error, message: "\(what): \(truncate(error))"))
    }
}
