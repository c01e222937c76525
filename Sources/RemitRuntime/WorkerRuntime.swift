import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// Runs one worker kind: N consumers, each on its own broker connection, each taking deliveries in
/// batches through consume → decode → handle in one store transaction with the inbox record →
/// publish follow-ups with confirms → ack. Reconnects with backoff; `drain()` stops consuming and
/// lets what is in flight finish.
public final class WorkerRuntime: Sendable {
    public struct Settings: Sendable {
        public var consumers: Int
        public var prefetch: Int
        /// Deliveries handled in one transaction at most.
        public var batchSize: Int
        public var reconnectInitialDelay: Duration = .milliseconds(100)
        public var reconnectMaximumDelay: Duration = .seconds(5)
        /// While the store fails for every message (disk full, damaged, locked from outside), the
        /// worker holds its batch and tries again after this delay, doubling up to the maximum.
        public var storePauseInitialDelay: Duration = .milliseconds(200)
        public var storePauseMaximumDelay: Duration = .seconds(10)
        /// How long a drain may take; then connections are dropped and the broker redelivers what
        /// was not acked.
        public var drainTimeout: Duration = .seconds(30)

        public init(consumers: Int, prefetch: Int, batchSize: Int? = nil) {
            self.consumers = consumers
            self.prefetch = prefetch
            self.batchSize = batchSize ?? max(1, min(prefetch, 100))
        }
    }

    public let kind: WorkerKindSpec
    let topology: Topology
    let amqp: AMQPConfiguration
    let handler: any MessageHandler
    let bodyTypes: MessageBodyTypes
    let store: any MessageStoreBackend
    let clock: any WallClock
    let settings: Settings
    let logger: Logger
    private let control: Mutex<Control>
    private let metrics: WorkerMetrics
    private let validator: MessageValidator
    private let followUpCheck: FollowUpCheck
    private let appliedTotal = Atomic<Int>(0)
    private let receivedTotal = Atomic<Int>(0)
    private let settledTotal = Atomic<Int>(0)
    private let reconnectedTotal = Atomic<Int>(0)
    /// The reasons a `reply_to` was refused for that were logged: each is logged once per runtime.
    private let loggedReplyRefusals = Mutex<Set<ReplyAddress.Refusal>>([])

    /// Messages applied (and acked) since this runtime started, redeliveries of applied ones included.
    public var appliedMessages: Int { appliedTotal.load(ordering: .relaxed) }

    /// Deliveries received since this runtime started.
    public var receivedMessages: Int { receivedTotal.load(ordering: .relaxed) }

    /// Deliveries settled since this runtime started: applied, or sent to a retry tier or a
    /// dead-letter queue. Greater than `appliedMessages` only when messages failed.
    public var settledMessages: Int { settledTotal.load(ordering: .relaxed) }

    /// Times a consumer connected again after losing its broker connection.
    public var reconnections: Int { reconnectedTotal.load(ordering: .relaxed) }

    private struct Control: ~Copyable {
        var draining = false
        /// How many consumers should run: indexes `0..<target`. `scale(to:)` changes it.
        var target: Int
        /// Indexes whose task runs: a retiring consumer stays here until it has settled what it held.
        var running: Set<Int> = []
        /// Starts a consumer task for an index (in `run()`'s task group); nil before `run()`.
        var spawn: AsyncStream<Int>.Continuation?
        var consumers: [Int: AMQPConsumer] = [:]
        var connections: [Int: [AMQPConnection]] = [:]
        var drainDeadline: Task<Void, Never>?
    }

    public init(
        kind: WorkerKindSpec, topology: Topology, amqp: AMQPConfiguration, handler: any MessageHandler,
        store: any MessageStoreBackend, clock: any WallClock, settings: Settings, logger: Logger
    ) {
        self.kind = kind
        self.topology = topology
        self.amqp = amqp
        self.handler = handler
        self.bodyTypes = MessageBodyTypes(handler.bodyTypes)
        self.store = store
        self.clock = clock
        self.settings = settings
        var logger = logger
        logger[metadataKey: "worker"] = "\(kind.name)"
        logger[metadataKey: "queue"] = "\(kind.queue)"
        self.logger = logger
        metrics = WorkerMetrics(kind: kind.name, queue: kind.queue)
        control = Mutex(Control(target: settings.consumers))
        validator = MessageValidator(topology: topology)
        followUpCheck = FollowUpCheck(topology: topology)
    }

    var isDraining: Bool { control.withLock { $0.draining } }

    /// Draining, or the task cancelled (the service group cancelled, not shut down gracefully): either
    /// way the loops that wait for the store, a far side or the broker end, settling nothing more.
    private var isStopping: Bool { Task.isCancelled || isDraining }

    /// Consumers this runtime runs now (`settings.consumers` until `scale(to:)` changes it).
    public var consumerCount: Int { control.withLock { $0.target } }

    /// The count `scale(to:)` refused.
    public struct InvalidConsumerCount: Error, CustomStringConvertible {
        public let count: Int
        public var description: String {
            "\(count) consumers is outside \(ConsumerCounts.range.lowerBound)…\(ConsumerCounts.range.upperBound)"
        }
    }

    /// Runs `count` consumers from now on, without a restart: new ones connect and start taking
    /// deliveries; the highest-numbered ones beyond `count` are cancelled and first settle (handle,
    /// publish, ack) what they hold, like a drain. Returns the count before. During a drain nothing
    /// changes.
    @discardableResult
    public func scale(to count: Int) async throws -> Int {
        guard ConsumerCounts.range.contains(count) else { throw InvalidConsumerCount(count: count) }
        let (previous, retiring, draining) = control.withLock { control -> (Int, [AMQPConsumer], Bool) in
            let previous = control.target
            guard !control.draining else { return (previous, [], true) }
            control.target = count
            if let spawn = control.spawn {
                for index in 0..<count where !control.running.contains(index) {
                    control.running.insert(index)
                    spawn.yield(index)
                }
            }
            return (previous, control.consumers.filter { $0.key >= count }.map(\.value), false)
        }
        if draining { return previous }
        metrics.consumers.record(count)
        if previous != count {
            logger.info("worker scaled", metadata: ["from": "\(previous)", "to": "\(count)"])
        }
        for consumer in retiring {
            do { try await consumer.cancel() } catch {
                // Its connection is gone: the broker already took back what it held.
                logger.debug("cancel while scaling down failed", metadata: ["error": "\(error)"])
            }
        }
        return previous
    }

    /// Whether consumer `index` goes on; when not (a drain, or scaled below it) it is forgotten in
    /// the same step, so a `scale(to:)` back up starts it again.
    private func keepsRunning(_ index: Int) -> Bool {
        let cancelled = Task.isCancelled
        return control.withLock { control in
            if !control.draining, !cancelled, index < control.target { return true }
            control.running.remove(index)
            return false
        }
    }

    /// Runs the consumers until `drain()` completes them. Throws at start-up when the broker refuses
    /// this worker for good (bad credentials, unknown vhost, no access, no queue): retrying cannot help.
    public func run() async throws {
        logger.info("worker starting", metadata: ["consumers": "\(settings.consumers)", "prefetch": "\(settings.prefetch)"])
        try await checkBrokerAccess()
        let (spawns, spawn) = AsyncStream.makeStream(of: Int.self)
        let initial = control.withLock { control -> Int in
            control.running = Set(0..<control.target)
            control.spawn = spawn
            if control.draining { spawn.finish() }
            return control.target
        }
        metrics.consumers.record(initial)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<initial {
                group.addTask { await self.runConsumer(index) }
            }
            // `scale(to:)` adds consumers here; a drain ends the stream.
            for await index in spawns {
                group.addTask { await self.runConsumer(index) }
            }
        }
        control.withLock { $0.drainDeadline?.cancel() }
        // Every delivery received was settled (applied, retried or dead-lettered, then acked) unless
        // the connection was lost, in which case the broker redelivers the rest.
        logger.info(
            "worker stopped",
            metadata: [
                "received": "\(receivedTotal.load(ordering: .relaxed))", "settled": "\(settledTotal.load(ordering: .relaxed))",
            ])
    }

    /// Connects once and looks at the work queue. A permanent refusal ends start-up with that error;
    /// a broker that is not up yet is left to the consumers' reconnect loop.
    private func checkBrokerAccess() async throws {
        do {
            try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
                _ = try await connection.inspectQueue(kind.queue)
            }
        } catch let error as AMQPError where error.isPermanent {
            throw WorkerStartError(kind: kind.name, reason: error)
        } catch {
            logger.warning("broker not reachable yet; the consumers keep trying", metadata: ["error": "\(error)"])
        }
    }

    /// Stops consuming; deliveries already received are handled and acked, then `run()` returns.
    /// After `drainTimeout` the connections are dropped, so `run()` returns even when the broker
    /// blocks us or the store stays unavailable; the broker redelivers what was not acked.
    public func drain() async {
        let consumers = control.withLock { control -> [AMQPConsumer] in
            guard !control.draining else { return [] }
            control.draining = true
            control.spawn?.finish()
            let timeout = settings.drainTimeout
            control.drainDeadline = Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.abandon()
            }
            return Array(control.consumers.values)
        }
        logger.info("worker draining", metadata: ["consumers": "\(consumers.count)"])
        for consumer in consumers {
            do { try await consumer.cancel() } catch {
                logger.debug("cancel during drain failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The drain bound passed: drop every connection; what is unacked goes back to the queue.
    private func abandon() {
        let connections = control.withLock { $0.connections.values.flatMap { $0 } }
        logger.warning(
            "drain did not finish in time; dropping the broker connections (unacked deliveries are redelivered)",
            metadata: ["timeout": "\(settings.drainTimeout)"])
        for connection in connections { connection.abandon() }
    }

    /// Sleeps for `delay`, waking early when a drain starts.
    private func sleepUnlessDraining(_ delay: Duration) async {
        await sleep(delay) { !$0.draining }
    }

    /// Sleeps for `delay`, waking early when a drain starts or consumer `index` is scaled away.
    private func sleepWhileWanted(_ index: Int, _ delay: Duration) async {
        await sleep(delay) { !$0.draining && index < $0.target }
    }

    /// Sleeps for `delay` in short steps while `wanted` holds of the control state.
    private func sleep(_ delay: Duration, while wanted: (borrowing Control) -> Bool) async {
        let step = Duration.milliseconds(50)
        var slept = Duration.zero
        while slept < delay, !Task.isCancelled, control.withLock({ wanted($0) }) {
            try? await Task.sleep(for: min(step, delay - slept))
            slept += step
        }
    }

    private func runConsumer(_ index: Int) async {
        var delay = settings.reconnectInitialDelay
        let tag = "remit-\(kind.name)-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(index)"
        var lostConnection = false
        while keepsRunning(index) {
            var opened: [AMQPConnection] = []
            do {
                // Follow-ups go out on a connection of their own: RabbitMQ's flow control blocks a
                // publishing connection, and acks on the consuming one must still get through.
                let consuming = try await AMQPConnection.connect(amqp.named("remit \(kind.name) consumer \(index)"), logger: logger)
                opened.append(consuming)
                let publishing = try await AMQPConnection.connect(amqp.named("remit \(kind.name) publisher \(index)"), logger: logger)
                opened.append(publishing)
                let consumer = try await consuming.consume(
                    queue: kind.queue, prefetch: UInt16(settings.prefetch),
                    consumerTag: tag)
                let registered = control.withLock { control -> Bool in
                    guard !control.draining, index < control.target else { return false }
                    control.consumers[index] = consumer
                    control.connections[index] = opened
                    return true
                }
                if !registered { try? await consumer.cancel() }
                if lostConnection {
                    reconnectedTotal.add(1, ordering: .relaxed)
                    metrics.reconnects.increment()
                    logger.info("worker reconnected", metadata: ["consumer": "\(index)"])
                    lostConnection = false
                }
                delay = settings.reconnectInitialDelay
                try await consume(consumer, on: consuming, publishingOn: publishing)
                forget(index)
                for connection in opened { await connection.close() }
            } catch {
                forget(index)
                for connection in opened { await connection.close() }
                guard keepsRunning(index) else { return }
                lostConnection = true
                logger.warning(
                    "worker lost its broker connection; reconnecting",
                    metadata: ["consumer": "\(index)", "error": "\(error)", "retry_in": "\(delay)"])
                await sleepWhileWanted(index, delay)
                delay = min(delay * 2, settings.reconnectMaximumDelay)
            }
        }
    }

    private func forget(_ index: Int) {
        control.withLock { control in
            control.consumers.removeValue(forKey: index)
            control.connections.removeValue(forKey: index)
        }
    }

    /// Two stages per consumer, so the store and the broker work at the same time: this task
    /// decodes and applies batch N+1 while a child task publishes batch N's follow-ups and acks it.
    /// Each stage keeps delivery order; the broker's prefetch bounds what is in between.
    private func consume(
        _ consumer: AMQPConsumer, on connection: AMQPConnection,
        publishingOn publisher: AMQPConnection
    ) async throws {
        let settlements = AsyncBatchQueue<SettlementBatch>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Whatever has queued up is settled together: one pipelined publish, one ack.
                while case let batches = try await settlements.nextBatch(), !batches.isEmpty {
                    do {
                        try await self.settle(batches, publishingOn: publisher, ackingOn: connection)
                    } catch {
                        // Stop the first stage too; the broker redelivers everything unacked.
                        await connection.close()
                        throw error
                    }
                }
            }
            do {
                while true {
                    let batch = try await consumer.deliveries.nextBatch(limit: settings.batchSize)
                    if batch.isEmpty { break }
                    receivedTotal.add(batch.count, ordering: .relaxed)
                    metrics.inFlight.record(receivedTotal.load(ordering: .relaxed) - settledTotal.load(ordering: .relaxed))
                    guard let prepared = await prepare(batch) else {
                        // Drained while the store was unavailable: leave the batch unacked for redelivery.
                        throw WorkerStopped()
                    }
                    settlements.yield(prepared)
                }
            } catch {
                settlements.finish()
                try await group.waitForAll()
                throw error
            }
            settlements.finish()
            try await group.waitForAll()
        }
    }

    // MARK: one batch

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
    private func settle(
        _ batches: [SettlementBatch], publishingOn publisher: AMQPConnection,
        ackingOn connection: AMQPConnection
    ) async throws {
        let publishes = batches.flatMap(\.publishes)
        let started = ContinuousClock.now
        try await publisher.publish(publishes)
        if !publishes.isEmpty { metrics.confirmLatency.record(duration: ContinuousClock.now - started) }
        try await connection.ack(batches.last!.lastDeliveryTag, multiple: true)
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
    private func replyAddress(of delivery: Delivery, messageId: String) -> ReplyAddress? {
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

    /// Decodes a batch and applies it to the store; returns what to publish and ack, or nil when a
    /// drain began while the store was unavailable (nothing of the batch is settled then).
    func prepare(_ batch: [Delivery]) async -> SettlementBatch? {
        let receivedAt = clock.now()
        let started = ContinuousClock.now
        defer { metrics.batchDuration.record(duration: ContinuousClock.now - started) }
        var outcomes = [Outcome?](repeating: nil, count: batch.count)
        var decoded: [(index: Int, message: IncomingMessage, digest: String)] = []
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
                decoded.append(
                    (
                        index,
                        IncomingMessage(
                            header: header, body: body, attempt: attempt, receivedAt: receivedAt,
                            reply: replyAddress(of: delivery, messageId: header.id)),
                        ContentDigest.sha256(delivery.body)
                    ))
            case .failure(let badInput):
                outcomes[index] = .deadLetter(.badInput, attempt: attempt, error: badInput.reason)
            }
        }
        if !decoded.isEmpty {
            guard let applied = await untilTheStoreAnswers({ try await self.apply(decoded, at: receivedAt) }) else { return nil }
            for (index, outcome) in applied { outcomes[index] = outcome }
            // Committed: the messages applied are visible in the store from now on.
            let visibleAt = Date()
            for (index, message, _) in decoded {
                guard case .applied = outcomes[index] else { continue }
                let nanoseconds = max(0, visibleAt.timeIntervalSince(message.header.occurredAt) * 1_000_000_000)
                metrics.visibleLatency.recordNanoseconds(Int64(min(nanoseconds, 8.64e15)))
            }
        }
        // Effects outside the store run after the transaction that recorded their intent committed,
        // one at a time, each followed by its own transaction recording the outcome.
        if let effects = handler as? any ExternalEffectHandler {
            var recorded: Set<String> = []  // ids whose effect this batch recorded
            for (index, message, digest) in decoded {
                guard case .effect(let effect) = outcomes[index] else { continue }
                // A second copy of a message in the batch (a publisher's resend): its effect is
                // not performed again; the copy is the first's duplicate.
                if recorded.contains(message.header.id) {
                    guard let duplicate = await untilTheStoreAnswers({ try await self.recordedOutcome(of: message, digest: digest) })
                    else { return nil }
                    if let duplicate {
                        outcomes[index] = duplicate
                        continue
                    }
                }
                let context = self.context(for: message, at: receivedAt)
                guard let result = await performUntilAvailable(effect, by: effects, for: message, context: context) else { return nil }
                guard
                    let finished = await untilTheStoreAnswers({
                        try await self.recordEffect(result, of: effect, by: effects, for: message, digest: digest, context: context)
                    })
                else { return nil }
                outcomes[index] = finished
                if case .applied = finished { recorded.insert(message.header.id) }
            }
        }

        var publishes: [OutboundMessage] = []
        var appliedCount = 0
        var retriedCount = 0
        var deadLetteredCount = 0
        for (index, delivery) in batch.enumerated() {
            switch outcomes[index]! {
            case .applied(let followUps):
                appliedCount += 1
                publishes += followUps.map { $0.outbound(on: topology, at: receivedAt) }
            case .effect:
                preconditionFailure("every effect was performed and recorded above")
            case .retry(let attempt, let error):
                let message = retryOrDeadLetter(delivery, attempt: attempt, error: error)
                if message.exchange == topology.workers.deadLetterExchange { deadLetteredCount += 1 } else { retriedCount += 1 }
                publishes.append(message)
            case .deadLetter(let reason, let attempt, let error):
                deadLetteredCount += 1
                publishes.append(deadLetter(delivery, reason: reason, attempt: attempt, error: error))
            }
        }
        return SettlementBatch(
            publishes: publishes, lastDeliveryTag: batch.last!.deliveryTag,
            applied: appliedCount, retried: retriedCount, deadLettered: deadLetteredCount)
    }

    /// A failure of the store itself (disk full, I/O error, damaged file, a write lock held from
    /// outside) is the worker's fault, not the messages': the batch is held — the broker's prefetch
    /// stops further deliveries — and `operation` runs again after a back-off, without spending any
    /// message's attempts. Returns nil when a drain begins meanwhile.
    private func untilTheStoreAnswers<Result>(_ operation: () async throws -> Result) async -> Result? {
        var delay = settings.storePauseInitialDelay
        var paused = false
        while true {
            do {
                let result = try await operation()
                if paused { logger.notice("store answers again; consuming resumed", metadata: ["store": "\(store.path)"]) }
                return result
            } catch {
                // A cancelled task (CancellationError from the store) is a stop, not a store failure.
                if isStopping { return nil }
                let text = describe(error)
                if !paused {
                    logger.error(
                        "store unavailable; consuming paused until it answers (no message is retried or dead-lettered for it)",
                        metadata: ["store": "\(store.path)", "error": "\(text)"])
                    paused = true
                } else {
                    logger.debug("store still unavailable", metadata: ["error": "\(text)", "retry_in": "\(delay)"])
                }
                metrics.storePauses.increment()
                await sleepUnlessDraining(delay)
                if isStopping { return nil }
                delay = min(delay * 2, settings.storePauseMaximumDelay)
            }
        }
    }

    /// Performs an effect; while the far side is unavailable for everyone, holds the batch and tries
    /// again with back-off (like a failing store), spending no attempt. Nil when a drain begins.
    private func performUntilAvailable(
        _ effect: any Sendable, by effects: any ExternalEffectHandler, for message: IncomingMessage, context: HandlerContext
    ) async -> EffectOutcome? {
        var delay = settings.storePauseInitialDelay
        var paused = false
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
            }
            metrics.effectPauses.increment()
            await sleepUnlessDraining(delay)
            if isStopping { return nil }
            delay = min(delay * 2, settings.storePauseMaximumDelay)
        }
    }

    private func context(for message: IncomingMessage, at now: Date) -> HandlerContext {
        HandlerContext(
            logger: logger, now: now, attempt: message.attempt, header: message.header, reply: message.reply,
            followUpCheck: followUpCheck)
    }

    /// Records what an effect did, in a transaction of its own. Done (sent, or failed for good):
    /// the handler then handles the message as usual, with its inbox record, in the same
    /// transaction. To try later: the message goes through the retry tiers. Throws only for
    /// failures of the store itself.
    private func recordEffect(
        _ result: EffectOutcome, of effect: any Sendable, by effects: any ExternalEffectHandler, for message: IncomingMessage,
        digest: String, context: HandlerContext
    ) async throws -> Outcome {
        let consumer = kind.name
        do {
            return try await store.write { transaction -> Outcome in
                // Another copy of the message (a publisher's resend, in this batch or another
                // consumer's) was recorded while this one's effect ran: this one is its duplicate.
                if let applied = try transaction.inbox.applied(consumer: consumer, messageId: message.header.id) {
                    return Self.duplicateOutcome(of: message, digest: digest, applied: applied)
                }
                try effects.recordEffect(result, of: effect, for: message, context: context, in: transaction)
                switch result {
                case .retryLater(let reason), .unavailable(let reason):
                    return .retry(attempt: message.attempt, error: reason)
                case .succeeded, .failed:
                    let followUps = try effects.handle(message, context: context, in: transaction)
                    try self.checkFollowUps(followUps)
                    try transaction.inbox.record(
                        InboxRecord(
                            consumer: consumer, header: message.header, contentDigest: digest, processedAt: context.now,
                            followUps: followUps))
                    return .applied(followUps)
                }
            }
        } catch {
            switch FailureKind(error) {
            case .badInput(let reason): return .deadLetter(.badInput, attempt: message.attempt, error: reason)
            case .unsendable(let reason): return refusedToSend(message, reason: reason)
            case .transient: return .retry(attempt: message.attempt, error: describe(error))
            case .store: throw error
            }
        }
    }

    /// Checks what a handler returned before its transaction commits: a follow-up its consumer would
    /// refuse is a bug on this side, so the message's whole transaction rolls back (`UnsendableMessage`).
    private func checkFollowUps(_ followUps: [OutgoingMessage]) throws {
        guard !handler.checksItsFollowUps else { return }
        try followUpCheck.check(followUps)
    }

    /// A message whose handler returned a follow-up its consumer would refuse: nothing of it
    /// committed and nothing is sent; it is dead-lettered (`unsendable-follow-up`) to be replayed once
    /// the sending side is fixed, and said loudly, since the fault is Remit's, not the message's.
    private func refusedToSend(_ message: IncomingMessage, reason: String) -> Outcome {
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
    private func recordedOutcome(of message: IncomingMessage, digest: String) async throws -> Outcome? {
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

    /// Runs the handler for each message in one transaction, with its inbox record. The fast path
    /// has no savepoints; when any handler throws, that transaction is rolled back and the batch runs
    /// again with one savepoint per message, so a failing message leaves no trace and the others
    /// still apply. Throws only for failures of the store itself (see `FailureKind`).
    private func apply(_ messages: [(index: Int, message: IncomingMessage, digest: String)], at now: Date) async throws -> [(Int, Outcome)]
    {
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
                    switch FailureKind(error) {
                    case .badInput(let reason):
                        results.append((index, .deadLetter(.badInput, attempt: message.attempt, error: reason)))
                    case .unsendable(let reason):
                        results.append((index, self.refusedToSend(message, reason: reason)))
                    case .transient:
                        results.append((index, .retry(attempt: message.attempt, error: self.describe(error))))
                    case .store:
                        throw error
                    }
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

    /// Reads the delivery as JSON once (`JSONReader`), checks that tree against the envelope schema
    /// and its type's schema (the same check `remit publish` makes), then decodes the Swift body type
    /// from the same tree.
    private func decode(_ delivery: Delivery) -> Result<(EnvelopeHeader, any MessageBody), BadInput> {
        let json: JSONValue
        do {
            json = try JSONReader.read(delivery.body)
        } catch {
            return .failure(BadInput("not a Remit envelope: the body is not JSON (\(error))"))
        }
        let envelopeProblems = topology.envelopeSchema.violations(of: json)
        guard envelopeProblems.isEmpty else {
            return .failure(BadInput("not a Remit envelope: " + MessageValidator.summarize(envelopeProblems.map(\.description))))
        }
        let type = json["type"]?.stringValue ?? ""
        let version = Int(json["version"]?.intValue ?? 0)
        guard kind.consumes.contains(type), bodyTypes.handles(type) else {
            return .failure(
                BadInput("worker kind '\(kind.name)' does not handle message type '\(SchemaViolation.shown(type))'"))
        }
        guard bodyTypes.type(for: type, version: version) != nil else {
            return .failure(BadInput("\(type) schema version \(version) is not supported by this worker"))
        }
        let bodyProblems = validator.violations(body: json["body"] ?? .null, type: type, version: version)
        guard bodyProblems.isEmpty else {
            return .failure(BadInput("\(type) v\(version) body does not match its schema: " + MessageValidator.summarize(bodyProblems)))
        }
        let envelope: DecodedEnvelope
        do {
            envelope = try DecodedEnvelope.decode(json, bodyTypes: bodyTypes)
        } catch let error as DecodingError {
            return .failure(BadInput("not a Remit envelope: \(DecodingErrorText.describe(error))"))
        } catch {
            return .failure(BadInput("not a Remit envelope: \(error)"))
        }
        switch envelope.body {
        case .decoded(let body):
            return .success((envelope.header, body))
        case .unknownType, .unsupportedVersion:
            return .failure(BadInput("\(type) schema version \(version) is not supported by this worker"))
        case .invalid(let reason):
            return .failure(BadInput("\(type) v\(version) body does not decode: \(reason)"))
        }
    }

    private func retryOrDeadLetter(_ delivery: Delivery, attempt: Int, error: String) -> OutboundMessage {
        guard attempt >= 1, attempt <= kind.retryQueues.count else {
            return deadLetter(delivery, reason: .retriesExhausted, attempt: attempt, error: error)
        }
        let properties = failureProperties(delivery, attempt: attempt + 1, error: error)
        logger.info(
            "message will be retried",
            metadata: [
                "message_id": "\(delivery.properties.messageId ?? "-")", "attempt": "\(attempt)",
                "retry_queue": "\(kind.retryQueues[attempt - 1])", "error": "\(Self.truncate(error))",
            ])
        // The default exchange routes straight to the tier's queue; its TTL dead-letters it back.
        return OutboundMessage(
            exchange: "", routingKey: kind.retryQueues[attempt - 1], body: delivery.body,
            properties: properties)
    }

    private func deadLetter(_ delivery: Delivery, reason: DeadLetterReason, attempt: Int, error: String) -> OutboundMessage {
        var properties = failureProperties(delivery, attempt: attempt, error: error)
        properties.headers[RemitHeader.reason] = .string(reason.rawValue)
        properties.headers[RemitHeader.failedAt] = .string(Timestamp.format(clock.now()))
        logger.warning(
            "message dead-lettered",
            metadata: [
                "message_id": "\(delivery.properties.messageId ?? "-")", "reason": "\(reason.rawValue)",
                "attempts": "\(attempt)", "error": "\(Self.truncate(error))",
            ])
        return OutboundMessage(
            exchange: topology.workers.deadLetterExchange, routingKey: kind.queue, body: delivery.body,
            properties: properties)
    }

    /// The delivery's properties as a retry or a dead letter carries them: persistent, with the
    /// attempt, the error in words, this worker and where the message first came from.
    private func failureProperties(_ delivery: Delivery, attempt: Int, error: String) -> AMQPProperties {
        var properties = delivery.properties
        properties.persistent = true
        properties.headers[RemitHeader.attempt] = .int(Int64(attempt))
        properties.headers[RemitHeader.error] = .string(Self.truncate(error))
        properties.headers[RemitHeader.worker] = .string(kind.name)
        stampOrigin(&properties, delivery)
        return properties
    }

    private func stampOrigin(_ properties: inout AMQPProperties, _ delivery: Delivery) {
        // A delivery straight from the Remit exchange is a producer's publish: whatever origin
        // headers it carries are input, not ours, and are replaced by where it really came from.
        if properties.headers[RemitHeader.originalExchange] == nil || delivery.exchange == topology.workers.exchange {
            properties.headers[RemitHeader.originalExchange] = .string(delivery.exchange)
            properties.headers[RemitHeader.originalRoutingKey] = .string(delivery.routingKey)
        }
    }

    /// An error in words for logs and dead-letter headers; store errors name the store's file.
    func describe(_ error: any Error) -> String {
        switch error {
        case let error as StoreFailure: return error.description
        case let error as CorruptStoredValue: return "\(store.path): \(error)"
        default: return String(describing: error)
        }
    }

    static func truncate(_ text: String) -> String {
        text.count <= 500 ? text : String(text.prefix(497)) + "..."
    }
}

/// The broker refused a worker at start-up for good; it names the kind and the broker's reason.
public struct WorkerStartError: Error, Sendable, CustomStringConvertible {
    public var kind: String
    public var reason: AMQPError
    public var description: String { "worker kind '\(kind)' cannot start: \(reason)" }
}

/// A consumer stopped on purpose (drain) before its batch was settled.
struct WorkerStopped: Error {}

/// What a failure inside a handler means for the message.
enum FailureKind {
    /// The message can never succeed: dead-letter it at once with the reason.
    case badInput(String)
    /// Its handler returned a follow-up the consumer would refuse (`UnsendableMessage`): the
    /// sender's fault; dead-lettered at once, loudly, to be replayed after the fix.
    case unsendable(String)
    /// It may succeed later: spend an attempt and retry through the tiers.
    case transient
    /// The store itself failed (locked from outside beyond the busy timeout, disk full, I/O error,
    /// damaged); every message would fail alike. Transient too, but the worker's fault: it pauses
    /// and tries the same batch again, and no message spends an attempt.
    case store

    init(_ error: any Error) {
        switch error {
        case let bad as BadInput:
            self = .badInput(bad.reason)
        case let unsendable as UnsendableMessage:
            self = .unsendable(unsendable.description)
        case let error as StoreFailure:
            // Refused data is the message's; a failing store (locked from outside, full, I/O,
            // damaged, without this build's schema) the worker's; anything else may pass.
            self =
                error.refusesTheData
                ? .badInput("the store refused the message's data: \(error.detail)")
                : error.isTheStoresFault ? .store : .transient
        case is CorruptStoredValue, is StoreError:
            self = .store
        case let error as MoneyError:
            self = .badInput(error.description)
        case let error as SettlementError:
            self = .badInput(error.description)
        case let error as DecodingError:
            self = .badInput(DecodingErrorText.describe(error))
        default:
            self = .transient
        }
    }
}

/// `x-remit-attempt`: set by Remit on retries, but a producer can set anything, so it is read like
/// any other input: absent means the first attempt; otherwise it must be a whole number from 1 to
/// one more than the retry tiers.
enum AttemptHeader {
    static func read(_ headers: AMQPTable, retryTiers: Int) -> Result<Int, BadInput> {
        guard let value = headers[RemitHeader.attempt] else { return .success(1) }
        let maximum = retryTiers + 1
        guard case .int(let number) = value, number >= 1, number <= Int64(maximum) else {
            return .failure(
                BadInput(
                    "header \(RemitHeader.attempt) is '\(SchemaViolation.shown(value.description.prefix(40)))'; it must be a whole number from 1 to \(maximum) (Remit sets it on retries; producers leave it out)"
                ))
        }
        return .success(Int(number))
    }
}
