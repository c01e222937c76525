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
        /// Bytes of message bodies in one batch at most: a batch of large messages (a distribution's
        /// invoices, 500 to a message) is split, so that what the worker holds decoded at once stays
        /// bounded whatever the prefetch. A single larger message is a batch of its own.
        public var batchBytes = 4 << 20
        /// How long a consumer waits before connecting again after losing the broker.
        public var reconnect = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        /// While the store fails for every message (disk full, damaged, locked from outside), or an
        /// effect's far side is unavailable, the worker holds its batch and tries again after these waits.
        public var storePause = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        /// How long a drain may take; then connections are dropped and the broker redelivers what
        /// was not acked.
        public var drainTimeout: Duration = .seconds(30)
        /// The host this process stands for, in its consumers' tags.
        public var host: ProcessHost = .local

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
    let control: Mutex<Control>
    let metrics: WorkerMetrics
    let validator: MessageValidator
    let followUpCheck: FollowUpCheck
    let appliedTotal = Atomic<Int>(0)
    let receivedTotal = Atomic<Int>(0)
    let settledTotal = Atomic<Int>(0)
    let reconnectedTotal = Atomic<Int>(0)
    /// Batches run again because another writer held what they needed (`remit_store_conflicts_total`).
    let conflictsTotal = Atomic<Int>(0)
    /// The reasons a `reply_to` was refused for that were logged: each is logged once per runtime.
    let loggedReplyRefusals = Mutex<Set<ReplyAddress.Refusal>>([])

    /// Messages applied (and acked) since this runtime started, redeliveries of applied ones included.
    public var appliedMessages: Int { appliedTotal.load(ordering: .relaxed) }

    /// Deliveries received since this runtime started.
    public var receivedMessages: Int { receivedTotal.load(ordering: .relaxed) }

    /// Deliveries settled since this runtime started: applied, or sent to a retry tier or a
    /// dead-letter queue. Greater than `appliedMessages` only when messages failed.
    public var settledMessages: Int { settledTotal.load(ordering: .relaxed) }

    /// Times a consumer connected again after losing its broker connection.
    public var reconnections: Int { reconnectedTotal.load(ordering: .relaxed) }

    struct Control: ~Copyable {
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
    var isStopping: Bool { Task.isCancelled || isDraining }

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
    func keepsRunning(_ index: Int) -> Bool {
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
            group.addTask { await self.sampleTheBroker() }
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
    func checkBrokerAccess() async throws {
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
    func abandon() {
        let connections = control.withLock { $0.connections.values.flatMap { $0 } }
        logger.warning(
            "drain did not finish in time; dropping the broker connections (unacked deliveries are redelivered)",
            metadata: ["timeout": "\(settings.drainTimeout)"])
        for connection in connections { connection.abandon() }
    }

    /// Sleeps for `delay`, waking early when a drain starts.
    func sleepUnlessDraining(_ delay: Duration) async {
        await sleep(delay) { !$0.draining }
    }

    /// Sleeps for `delay`, waking early when a drain starts or consumer `index` is scaled away.
    func sleepWhileWanted(_ index: Int, _ delay: Duration) async {
        await sleep(delay) { !$0.draining && index < $0.target }
    }

    /// Sleeps for `delay` in short steps while `wanted` holds of the control state.
    func sleep(_ delay: Duration, while wanted: (borrowing Control) -> Bool) async {
        let step = Duration.milliseconds(50)
        var slept = Duration.zero
        while slept < delay, !Task.isCancelled, control.withLock({ wanted($0) }) {
            try? await Task.sleep(for: min(step, delay - slept))
            slept += step
        }
    }

    func runConsumer(_ index: Int) async {
        var failures = 0
        let tag = settings.host.consumerTag(kind: kind.name, index: index)
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
                failures = 0
                try await consume(consumer, on: consuming, publishingOn: publishing)
                forget(index)
                for connection in opened { await connection.close() }
            } catch {
                forget(index)
                for connection in opened { await connection.close() }
                guard keepsRunning(index) else { return }
                lostConnection = true
                failures += 1
                let delay = settings.reconnect.delay(afterAttempt: failures)
                logger.warning(
                    "worker lost its broker connection; reconnecting",
                    metadata: ["consumer": "\(index)", "error": "\(error)", "retry_in": "\(delay)"])
                await sleepWhileWanted(index, delay)
            }
        }
    }

    func forget(_ index: Int) {
        control.withLock { control in
            control.consumers.removeValue(forKey: index)
            control.connections.removeValue(forKey: index)
        }
    }

    /// Three stages per consumer, so that reading, the store and the broker work at the same time:
    /// a task reads batch N+2 (decodes and checks it) while this one applies batch N+1 through the
    /// store and a third publishes batch N's follow-ups and acks it. Each stage keeps delivery
    /// order. Reading runs one batch ahead, no more, and a batch is split into parts of at most
    /// `batchBytes` of bodies: what the worker holds decoded is bounded by bytes, not by the prefetch
    /// times the size of its messages.
    func consume(
        _ consumer: AMQPConsumer, on connection: AMQPConnection,
        publishingOn publisher: AMQPConnection
    ) async throws {
        let settlements = AsyncBatchQueue<SettlementBatch>()
        let reader = BatchReader(consumer: consumer, runtime: self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Whatever has queued up is settled together: one pipelined publish, one ack.
                while case let batches = try await settlements.nextBatch(), !batches.isEmpty {
                    do {
                        try await self.settle(batches, publishingOn: publisher, ackingOn: connection)
                    } catch {
                        // Stop the first stages too; the broker redelivers everything unacked.
                        await connection.close()
                        throw error
                    }
                }
            }
            // The next batch is read while this one is applied; the read ends with the consumer
            // (cancelled by a drain or a scale-down) or with its connection.
            var next = Task { try await reader.next() }
            do {
                while true {
                    reader.waiting.store(true, ordering: .releasing)
                    consumer.deliveries.wake()
                    guard let batch = try await Self.result(of: next) else { break }
                    reader.waiting.store(false, ordering: .releasing)
                    next = Task { try await reader.next() }
                    guard let prepared = await apply(batch) else {
                        // Drained while the store was unavailable: leave the batch unacked for redelivery.
                        batch.abandon()
                        throw WorkerStopped()
                    }
                    settlements.yield(prepared)
                }
            } catch {
                next.cancel()
                settlements.finish()
                try await group.waitForAll()
                throw error
            }
            settlements.finish()
            try await group.waitForAll()
        }
    }

    /// The task's result; cancelling the caller cancels the task (a read waiting for deliveries).
    static func result<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// The reading stage of a consumer: the next part of a batch of deliveries, decoded. Called by
    /// one task at a time (each read starts once the one before it has returned).
    final class BatchReader: Sendable {
        let consumer: AMQPConsumer
        let runtime: WorkerRuntime
        /// The parts of the last batch received not read yet.
        let parts = Mutex<[[Delivery]]>([])
        /// True while the applying stage waits for this read: then it takes what has arrived.
        let waiting = Atomic<Bool>(true)

        init(consumer: AMQPConsumer, runtime: WorkerRuntime) {
            self.consumer = consumer
            self.runtime = runtime
        }

        /// The next part decoded; nil once the consumer ended.
        func next() async throws -> DecodedBatch? {
            if let part = parts.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return runtime.decode(part) }
            // Ahead of the applying stage, only a full batch is read: a few deliveries read early
            // would each cost a transaction (and an fsync) of their own, where waiting lets the
            // broker fill the batch. Once the applying stage waits, what has arrived is read.
            let limit = runtime.settings.batchSize
            // (An ended queue never fills: the wait would return at once, again and again, and hold
            // a thread of the cooperative pool until the applying stage could not run.)
            let deliveries = consumer.deliveries
            while !waiting.load(ordering: .acquiring), deliveries.count < limit, !deliveries.hasEnded {
                try await deliveries.awaitFill(limit)
            }
            let batch = try await consumer.deliveries.nextBatch(limit: limit)
            if batch.isEmpty { return nil }
            let received = runtime.receivedTotal.add(batch.count, ordering: .relaxed).newValue
            runtime.metrics.inFlight.record(received - runtime.settledTotal.load(ordering: .relaxed))
            var split = WorkerRuntime.parts(of: batch, bytes: runtime.settings.batchBytes)
            let first = split.removeFirst()
            parts.withLock { $0 = split }
            return runtime.decode(first)
        }
    }

    /// `batch` in runs of consecutive deliveries whose bodies come to at most `bytes` together (a
    /// delivery larger than that is a run of its own).
    static func parts(of batch: [Delivery], bytes: Int) -> [[Delivery]] {
        var parts: [[Delivery]] = []
        var current: [Delivery] = []
        var size = 0
        for delivery in batch {
            if !current.isEmpty, size + delivery.body.count > bytes {
                parts.append(current)
                current = []
                size = 0
            }
            current.append(delivery)
            size += delivery.body.count
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}
