import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

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
        let started = ContinuousClock.now
        try await publisher.publish(publishes)
        if !publishes.isEmpty { metrics.confirmLatency.record(duration: ContinuousClock.now - started) }
        // After the commit and the confirms; the settling stage does not wait for it to be sent.
        try connection.ackWithoutWaiting(batches.last!.lastDeliveryTag, multiple: true)
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
    }

    /// Decodes a batch and applies it to the store (`decode`, then `apply`).
    func prepare(_ batch: [Delivery]) async -> SettlementBatch? {
        await apply(decode(batch))
    }

    /// Reads every delivery of a batch: the first stage, apart from the store.
    func decode(_ batch: [Delivery]) -> DecodedBatch {
        let receivedAt = clock.now()
        let (outcomes, decoded) = decodeAll(batch, receivedAt: receivedAt)
        return DecodedBatch(deliveries: batch, outcomes: outcomes, messages: decoded, receivedAt: receivedAt)
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
            guard let applied = await untilTheStoreAnswers({ try await self.apply(slice, at: receivedAt) }) else { return nil }
            for (index, outcome) in applied { outcomes[index] = outcome }
            recordVisibility(of: slice, outcomes)
        }
        if let effects = handler as? any ExternalEffectHandler {
            guard await perform(effects, of: decoded, into: &outcomes, receivedAt: receivedAt) else { return nil }
        }
        return settlement(of: batch.deliveries, outcomes.map { $0! }, receivedAt: receivedAt)
    }

    /// Each delivery read: a message to apply, or its outcome already (a dead letter for bad input).
    private func decodeAll(_ batch: [Delivery], receivedAt: Date) -> ([Outcome?], [Decoded]) {
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
                    reply: replyAddress(of: delivery, messageId: header.id))
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
    private func settlement(of batch: [Delivery], _ outcomes: [Outcome], receivedAt: Date) -> SettlementBatch {
        var settlement = SettlementBatch(publishes: [], lastDeliveryTag: batch.last!.deliveryTag, applied: 0, retried: 0, deadLettered: 0)
        for (delivery, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .applied(let followUps):
                settlement.applied += 1
                settlement.publishes += followUps.map { $0.outbound(on: topology, at: receivedAt) }
            case .effect:
                preconditionFailure("every effect was performed and recorded before the batch settles")
            case .retry(let attempt, let error):
                let message = retryOrDeadLetter(delivery, attempt: attempt, error: error)
                if message.exchange == topology.workers.deadLetterExchange { settlement.deadLettered += 1 } else { settlement.retried += 1 }
                settlement.publishes.append(message)
            case .deadLetter(let reason, let attempt, let error):
                settlement.deadLettered += 1
                settlement.publishes.append(deadLetter(delivery, reason: reason, attempt: attempt, error: error))
            }
        }
        return settlement
    }
}
