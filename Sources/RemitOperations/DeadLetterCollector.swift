import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// Moves every worker kind's dead-letter queue into the operations store: consume with manual
/// acks, store each dead letter (once, however often it is delivered), commit, and only then ack.
/// A crash between commit and ack redelivers what was stored, and the store's unique identity
/// keeps it once; nothing is acked before it is stored.
public struct DeadLetterCollector: Sendable {
    public let topology: Topology
    public let amqp: AMQPConfiguration
    public let store: any OperationsStoreBackend
    public let clock: any WallClock
    public let logger: Logger
    /// Deliveries stored per transaction (and the consumer's prefetch).
    public var batchSize = 500
    /// How long an emptied queue stays quiet before collection moves on.
    public var quietPeriod: Duration = .milliseconds(500)

    public init(topology: Topology, amqp: AMQPConfiguration, store: any OperationsStoreBackend, clock: any WallClock, logger: Logger) {
        self.topology = topology
        self.amqp = amqp
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Collects what the dead-letter queues hold now; returns how many new dead letters each
    /// queue gave (queues that gave none are left out).
    @discardableResult
    public func collect() async throws -> [String: Int] {
        try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
            var collected: [String: Int] = [:]
            for kind in topology.workers.kinds {
                let waiting = try await connection.inspectQueue(kind.deadLetterQueue).messageCount
                guard waiting > 0 else { continue }
                let stored = try await collect(kind, expected: waiting, on: connection)
                if stored > 0 { collected[kind.deadLetterQueue] = stored }
            }
            return collected
        }
    }

    private func collect(_ kind: WorkerKindSpec, expected: Int, on connection: AMQPConnection) async throws -> Int {
        let consumer = try await connection.consume(queue: kind.deadLetterQueue, prefetch: UInt16(clamping: batchSize))
        var received = 0
        var stored = 0
        while received < expected {
            let batch = try await nextBatch(consumer.deliveries)
            guard let last = batch.last else { break }
            let now = clock.now()
            let letters = batch.map { Self.deadLetter(from: $0, kind: kind, topology: topology, collectedAt: now) }
            stored += try await store.writeOperations { transaction in try letters.filter { try transaction.deadLetters.store($0) }.count }
            try await connection.ack(last.deliveryTag, multiple: true)
            received += batch.count
        }
        // Deliveries the broker sent after the last batch go back to the queue unacked when the
        // connection closes; the next collection takes them.
        try await consumer.cancel()
        logger.debug("dead letters collected", metadata: ["queue": "\(kind.deadLetterQueue)", "stored": "\(stored)"])
        return stored
    }

    /// The next deliveries, or none after a quiet period.
    private func nextBatch(_ deliveries: DeliveryBuffer) async throws -> [Delivery] {
        let limit = batchSize
        let quiet = quietPeriod
        return try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask { try await deliveries.nextBatch(limit: limit) }
            group.addTask {
                try? await Task.sleep(for: quiet)
                return nil
            }
            var taken: [Delivery] = []
            if let first = try await group.next(), let first { taken += first }
            group.cancelAll()
            // A batch the waiting task took just as the timer fired is kept, never dropped unacked.
            while let late = try await group.next() { taken += late ?? [] }
            return taken
        }
    }

    /// A delivery from `kind`'s dead-letter queue as the store keeps it. Remit's own dead letters
    /// carry `x-remit-*` headers; one the broker dead-lettered (the work queue's delivery limit)
    /// carries only its `x-death` history, which gives the reason, time and origin instead.
    static func deadLetter(from delivery: Delivery, kind: WorkerKindSpec, topology: Topology, collectedAt: Date) -> DeadLetter {
        let properties = delivery.properties
        let headers = properties.headers
        let death = Self.death(headers, queue: kind.queue)
        let brokerReason = headers["x-first-death-reason"]?.stringValue.map { $0.replacingOccurrences(of: "_", with: "-") }
        let reason = headers[RemitHeader.reason]?.stringValue ?? brokerReason ?? "unknown"
        let error =
            headers[RemitHeader.error]?.stringValue
            ?? (brokerReason.map { "the broker dead-lettered it from \(kind.queue) (\($0))" } ?? "")
        var type = properties.type ?? ""
        if type.isEmpty, let envelope = try? JSONValue.parse(Data(delivery.body)), let named = envelope["type"]?.stringValue {
            type = named
        }
        var exchange = headers[RemitHeader.originalExchange]?.stringValue
        var routingKey = headers[RemitHeader.originalRoutingKey]?.stringValue
        if exchange == nil || routingKey == nil {
            if let death, let deathExchange = death["exchange"]?.stringValue,
                case .array(let keys) = death["routing-keys"], let key = keys.first?.stringValue
            {
                (exchange, routingKey) = (deathExchange, key)
            } else if !type.isEmpty {
                // Remit routes every message by its type on the Remit exchange.
                (exchange, routingKey) = (topology.workers.exchange, type)
            } else {
                (exchange, routingKey) = (nil, nil)
            }
        }
        let deathTime: Date? = {
            guard case .timestamp(let seconds) = death?["time"] else { return nil }
            return Date(timeIntervalSince1970: Double(seconds))
        }()
        let failedAt = headers[RemitHeader.failedAt]?.stringValue.flatMap(Timestamp.parse) ?? deathTime ?? collectedAt
        let propertiesJSON = (try? DeadLetterProperties.encode(properties)) ?? "{}"
        return DeadLetter(
            messageId: properties.messageId ?? "", messageType: type, correlationId: properties.correlationId,
            deadLetterQueue: kind.deadLetterQueue, worker: headers[RemitHeader.worker]?.stringValue ?? kind.name,
            originalQueue: kind.queue, originalExchange: exchange, originalRoutingKey: routingKey, reason: reason,
            error: error, attempts: Int(clamping: headers[RemitHeader.attempt]?.intValue ?? headers["x-delivery-count"]?.intValue ?? 0),
            failedAt: failedAt, properties: propertiesJSON, body: Data(delivery.body), collectedAt: collectedAt,
            replayCount: Int(clamping: headers[RemitHeader.replay]?.intValue ?? 0))
    }

    /// The `x-death` entry of the work queue, when the broker dead-lettered the message from it.
    private static func death(_ headers: AMQPTable, queue: String) -> AMQPTable? {
        guard case .array(let deaths) = headers["x-death"] else { return nil }
        for case .table(let entry) in deaths where entry["queue"]?.stringValue == queue { return entry }
        return nil
    }
}
