import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// Applying messages through the store: the transaction with the inbox, effects outside the store,
/// and holding the batch while the store (or an effect's far side) does not answer.
extension WorkerRuntime {
    /// A failure of the store itself (disk full, I/O error, damaged file, a write lock held from
    /// outside) is the worker's fault, not the messages': the batch is held — the broker's prefetch
    /// stops further deliveries — and `operation` runs again after a back-off, without spending any
    /// message's attempts. Returns nil when a drain begins meanwhile.
    /// A batch that met another writer runs again within this many milliseconds (at random).
    static var busyRetrySpreadMilliseconds: Int { 20 }

    func untilTheStoreAnswers<Result>(_ operation: () async throws -> Result) async -> Result? {
        var failures = 0
        var paused = false
        defer { if paused { metrics.storePaused.leave() } }
        while true {
            do {
                let result = try await operation()
                if paused { logger.notice("store answers again; consuming resumed", metadata: ["store": "\(store.path)"]) }
                return result
            } catch {
                // A cancelled task (CancellationError from the store) is a stop, not a store failure.
                if isStopping { return nil }
                let text = describe(error)
                failures += 1
                let delay = settings.storePause.delay(afterAttempt: failures)
                if (error as? StoreFailure)?.code == .busy, failures <= 3 {
                    // Another writer held what the batch needed (a lock waited out, a deadlock or a
                    // serialisation conflict with another host): the batch was rolled back whole and
                    // runs again almost at once, like any business of the worker's own — after a few
                    // random milliseconds, so that the two sides do not meet again in step. (The
                    // store pause's back-off here made four processes on one PostgreSQL wait seconds
                    // at a time for every deadlock.)
                    let conflicts = conflictsTotal.add(1, ordering: .relaxed).newValue
                    metrics.storeConflicts.increment()
                    // Said at the 1st, 10th, 100th… of the process: often under load, never a flood.
                    let level: Logger.Level = String(conflicts).dropFirst().allSatisfy { $0 == "0" } ? .notice : .debug
                    logger.log(
                        level: level, "store busy with another writer; the batch runs again (no message is retried for it)",
                        metadata: ["store": "\(store.path)", "error": "\(text)", "conflicts": "\(conflicts)"])
                    await sleepUnlessDraining(.milliseconds(Int.random(in: 1...Self.busyRetrySpreadMilliseconds)))
                    if isStopping { return nil }
                    continue
                } else if !paused {
                    logger.error(
                        "store unavailable; consuming paused until it answers (no message is retried or dead-lettered for it)",
                        metadata: ["store": "\(store.path)", "error": "\(text)"])
                    paused = true
                    metrics.storePaused.enter()
                } else {
                    logger.debug("store still unavailable", metadata: ["error": "\(text)", "retry_in": "\(delay)"])
                }
                metrics.storePauses.increment()
                await sleepUnlessDraining(delay)
                if isStopping { return nil }
            }
        }
    }

    /// Performs an effect; while the far side is unavailable for everyone, holds the batch and tries
    /// again with back-off (like a failing store), spending no attempt. Nil when a drain begins.
    func performUntilAvailable(
        _ effect: any Sendable, by effects: any ExternalEffectHandler, for message: IncomingMessage, context: HandlerContext
    ) async -> EffectOutcome? {
        var failures = 0
        var paused = false
        defer { if paused { metrics.effectPaused.leave() } }
        while true {
            let result = await effects.performEffect(effect, for: message, context: context)
            guard case .unavailable(let reason) = result else {
                if paused { logger.notice("the effect's far side answers again; consuming resumed") }
                return result
            }
            if !paused {
                logger.error(
                    "the effect's far side is unavailable; consuming paused until it answers (no message is retried or dead-lettered for it)",
                    metadata: ["error": "\(Self.truncate(reason))"])
                paused = true
                metrics.effectPaused.enter()
            }
            metrics.effectPauses.increment()
            failures += 1
            await sleepUnlessDraining(settings.storePause.delay(afterAttempt: failures))
            if isStopping { return nil }
        }
    }

    func context(for message: IncomingMessage, at now: Date) -> HandlerContext {
        HandlerContext(
            logger: logger, now: now, attempt: message.attempt, header: message.header, reply: message.reply,
            followUpCheck: followUpCheck, trace: message.trace)
    }

    /// Records what the effects did, in one transaction, each message in a savepoint of its own.
    /// Done (sent, or failed for good): the handler then handles the message as usual, with its
    /// inbox record. To try later: the message goes through the retry tiers. Throws only for
    /// failures of the store itself.
    func recordEffects(
        _ performed: [(entry: Decoded, effect: any Sendable, result: EffectOutcome)], by effects: any ExternalEffectHandler,
        at receivedAt: Date
    ) async throws -> [(Int, Outcome)] {
        guard !performed.isEmpty else { return [] }
        return try await store.write { transaction in
            try performed.map { entry, effect, result in
                let context = self.context(for: entry.message, at: receivedAt)
                do {
                    return (
                        entry.index,
                        try transaction.savepoint {
                            try self.recordEffect(
                                result, of: effect, by: effects, for: entry.message, digest: entry.digest, context: context,
                                in: transaction)
                        }
                    )
                } catch {
                    // Another host's copy of the message, recorded while this one's effect ran: a
                    // duplicate (`outcome(ofFailed:)`); bad input and the like as for any message.
                    return (entry.index, try self.outcome(ofFailed: entry.message, digest: entry.digest, error, in: transaction))
                }
            }
        }
    }

    /// Records one effect's outcome in `transaction` (see `recordEffects`).
    private func recordEffect(
        _ result: EffectOutcome, of effect: any Sendable, by effects: any ExternalEffectHandler, for message: IncomingMessage,
        digest: String, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> Outcome {
        // Another copy of the message (a publisher's resend, in this batch or another consumer's)
        // was recorded while this one's effect ran: this one is its duplicate.
        if let applied = try transaction.inbox.applied(consumer: kind.name, messageId: message.header.id) {
            return Self.duplicateOutcome(of: message, digest: digest, applied: applied)
        }
        try effects.recordEffect(result, of: effect, for: message, context: context, in: transaction)
        switch result {
        case .retryLater(let reason), .unavailable(let reason):
            return .retry(attempt: message.attempt, error: reason)
        case .succeeded, .failed:
            let followUps = try effects.handle(message, context: context, in: transaction)
            try checkFollowUps(followUps)
            try transaction.inbox.record(
                InboxRecord(
                    consumer: kind.name, header: message.header, contentDigest: digest, processedAt: context.now,
                    followUps: followUps))
            return .applied(followUps)
        }
    }

    /// Checks what a handler returned before its transaction commits: a follow-up its consumer would
    /// refuse is a bug on this side, so the message's whole transaction rolls back (`UnsendableMessage`).
    func checkFollowUps(_ followUps: [OutgoingMessage]) throws {
        guard !handler.checksItsFollowUps else { return }
        try followUpCheck.check(followUps)
    }

    /// A message whose handler returned a follow-up its consumer would refuse: nothing of it
    /// committed and nothing is sent; it is dead-lettered (`unsendable-follow-up`) to be replayed once
    /// the sending side is fixed, and said loudly, since the fault is Remit's, not the message's.
    func refusedToSend(_ message: IncomingMessage, reason: String) -> Outcome {
        metrics.unsendableFollowUps.increment()
        logger.error(
            "a handler returned a follow-up its consumer would refuse; nothing of the message was committed or sent",
            metadata: [
                "message_id": "\(message.header.id)", "correlation_id": "\(message.header.correlationId)",
                "error": "\(Self.truncate(reason))",
            ])
        return .deadLetter(.unsendableFollowUp, attempt: message.attempt, error: reason)
    }

    /// The outcome of a message whose id the inbox holds (`duplicateOutcome`); nil when it holds none.
    func recordedOutcome(of message: IncomingMessage, digest: String) async throws -> Outcome? {
        let consumer = kind.name
        return try await store.read { transaction in
            try transaction.inbox.applied(consumer: consumer, messageId: message.header.id).map {
                Self.duplicateOutcome(of: message, digest: digest, applied: $0)
            }
        }
    }

    /// A message whose id the inbox holds: a duplicate, applied already — or, with other content,
    /// another message under a used id, which is never dropped as a duplicate.
    static func duplicateOutcome(of message: IncomingMessage, digest: String, applied: AppliedMessage) -> Outcome {
        if let recorded = applied.contentDigest, recorded != digest {
            return .deadLetter(
                .idConflict, attempt: message.attempt,
                error: """
                    message id '\(message.header.id)' was already applied with other content \
                    (sha256 \(recorded.prefix(16))… then, \(digest.prefix(16))… now); \
                    a producer must use a new id for every new message
                    """)
        }
        // Follow-ups go out again as first published; an answer goes to whoever asks this time (a
        // producer resending for a lost answer), or nowhere.
        let followUps = applied.followUps.map(OutgoingMessage.init(stored:)).compactMap { followUp -> OutgoingMessage? in
            guard followUp.reply != nil else { return followUp }
            guard let reply = message.reply else { return nil }
            var readdressed = followUp
            readdressed.reply = reply
            return readdressed
        }
        return .applied(followUps)
    }

    /// What becomes of a message whose handler threw inside its savepoint (rolled back, so the
    /// transaction goes on); throws for failures of the store itself.
    ///
    /// A constraint failure may be another host's copy of this very message: with the channel store
    /// shared (PostgreSQL), two copies delivered at once — a producer's resend, a redelivery after a
    /// kill — both find the inbox empty, the second waits on the first's row locks and then collides
    /// with its outcome or inbox row. Once the first has committed, the inbox holds the message: a
    /// duplicate, as a redelivery after the commit would be, never bad input to dead-letter.
    func outcome(ofFailed message: IncomingMessage, digest: String, _ error: any Error, in store: any StoreTransaction) throws -> Outcome {
        if Self.mayBeACopysCollision(error),
            let applied = try store.inbox.applied(consumer: kind.name, messageId: message.header.id)
        {
            return Self.duplicateOutcome(of: message, digest: digest, applied: applied)
        }
        switch FailureKind(error) {
        case .badInput(let reason): return .deadLetter(.badInput, attempt: message.attempt, error: reason)
        case .unsendable(let reason): return refusedToSend(message, reason: reason)
        case .transient: return .retry(attempt: message.attempt, error: describe(error))
        case .store: throw error
        }
    }

    /// A unique key the store refused: perhaps another host applied the same message meanwhile.
    static func mayBeACopysCollision(_ error: any Error) -> Bool { (error as? StoreFailure)?.code == .constraint }

    /// Runs the handler for each message in one transaction, with its inbox record. The fast path
    /// has no savepoints; when any handler throws, that transaction is rolled back and the batch runs
    /// again with one savepoint per message, so a failing message leaves no trace and the others
    /// still apply. Throws only for failures of the store itself (see `FailureKind`).
    func apply(_ messages: [(index: Int, message: IncomingMessage, digest: String)], at now: Date) async throws -> [(Int, Outcome)] {
        struct HandlerFailed: Error {}
        let consumer = kind.name
        let handler = self.handler
        let run: @Sendable (any StoreTransaction, Bool) throws -> [(Int, Outcome)] = { transaction, isolated in
            var results: [(Int, Outcome)] = []
            results.reserveCapacity(messages.count)
            for (index, message, digest) in messages {
                if let applied = try transaction.inbox.applied(consumer: consumer, messageId: message.header.id) {
                    results.append((index, Self.duplicateOutcome(of: message, digest: digest, applied: applied)))
                    continue
                }
                func applyOne() throws -> Outcome {
                    let context = self.context(for: message, at: now)
                    if let effects = handler as? any ExternalEffectHandler,
                        let effect = try effects.prepareEffect(for: message, context: context, in: transaction)
                    {
                        // Not in the inbox yet: the message is applied once the effect's outcome is recorded.
                        return .effect(effect)
                    }
                    let followUps = try handler.handle(message, context: context, in: transaction)
                    try self.checkFollowUps(followUps)
                    try transaction.inbox.record(
                        InboxRecord(
                            consumer: consumer, header: message.header, contentDigest: digest, processedAt: now,
                            followUps: followUps))
                    return .applied(followUps)
                }
                guard isolated else {
                    do { results.append((index, try applyOne())) } catch { throw HandlerFailed() }
                    continue
                }
                do {
                    results.append((index, try transaction.savepoint(applyOne)))
                } catch {
                    results.append((index, try self.outcome(ofFailed: message, digest: digest, error, in: transaction)))
                }
            }
            return results
        }
        do {
            return try await store.write { transaction in try run(transaction, false) }
        } catch is HandlerFailed {
            return try await store.write { transaction in try run(transaction, true) }
        }
    }
}
