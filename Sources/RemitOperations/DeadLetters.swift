import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// Moves every worker kind's dead-letter queue into the operations store: consume with manual
/// acks, store each dead letter (once, however often it is delivered), commit, and only then ack.
/// A crash between commit and ack redelivers what was stored, and the store's unique identity
/// keeps it once; nothing is acked before it is stored.
public struct DeadLetterCollector: Sendable {
    public let topology: Topology
    public let amqp: AMQPConfiguration
    public let store: OperationsStore
    public let clock: any WallClock
    public let logger: Logger
    /// Deliveries stored per transaction (and the consumer's prefetch).
    public var batchSize = 500
    /// How long an emptied queue stays quiet before collection moves on.
    public var quietPeriod: Duration = .milliseconds(500)

    public init(topology: Topology, amqp: AMQPConfiguration, store: OperationsStore, clock: any WallClock, logger: Logger) {
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
            stored += try await store.pool.write { db in try letters.filter { try $0.store(db) }.count }
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

/// How a dead letter's AMQP properties are kept in the store: typed JSON, keys sorted.
public enum DeadLetterProperties {
    public static func encode(_ properties: AMQPProperties) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(properties), as: UTF8.self)
    }

    /// Reads what `encode` wrote, straight from the parsed JSON: through a `Decoder`, Foundation's
    /// or Remit's, this was half of a replay's CPU. Anything else in the column is a corrupt value.
    public static func decode(_ letter: DeadLetter) throws -> AMQPProperties {
        guard let json = try? JSONValue.parse(Array(letter.properties.utf8)), let properties = properties(json) else {
            throw CorruptStoredValue(
                table: DeadLetter.databaseTableName, row: "\(letter.id ?? 0)", column: "properties",
                found: letter.properties, expected: "AMQP properties as Remit stores them")
        }
        return properties
    }

    static func properties(_ json: JSONValue) -> AMQPProperties? {
        guard case .object(let fields) = json, case .bool(let persistent)? = fields["persistent"],
            case .object(let table)? = fields["headers"], let headers = headers(table)
        else { return nil }
        func text(_ key: String) -> String?? {
            switch fields[key] {
            case nil, .null?: return .some(nil)
            case .string(let value)?: return .some(value)
            default: return nil
            }
        }
        var timestamp: UInt64?
        switch fields["timestamp"] {
        case nil, .null?: timestamp = nil
        case .integer(let value)? where value >= 0: timestamp = UInt64(value)
        default: return nil
        }
        guard let contentType = text("contentType"), let messageId = text("messageId"),
            let correlationId = text("correlationId"), let replyTo = text("replyTo"), let type = text("type"),
            let appId = text("appId"), let expiration = text("expiration")
        else { return nil }
        return AMQPProperties(
            contentType: contentType, messageId: messageId, correlationId: correlationId, replyTo: replyTo, type: type,
            timestamp: timestamp, appId: appId, expiration: expiration, persistent: persistent, headers: headers)
    }

    static func headers(_ table: [String: JSONValue]) -> AMQPTable? {
        var headers: AMQPTable = [:]
        headers.reserveCapacity(table.count)
        for (name, json) in table {
            guard let value = value(json) else { return nil }
            headers[name] = value
        }
        return headers
    }

    /// One field value: an object with exactly one type key (`AMQPValue`'s `Codable` form).
    static func value(_ json: JSONValue) -> AMQPValue? {
        guard case .object(let typed) = json, typed.count == 1, let (type, inner) = typed.first else { return nil }
        switch (type, inner) {
        case ("string", .string(let value)): return .string(value)
        case ("int", .integer(let value)): return .int(value)
        case ("bool", .bool(let value)): return .bool(value)
        case ("double", .number(let value)): return .double(value)
        case ("double", .integer(let value)): return .double(Double(value))  // 2.0 is written as 2
        case ("timestamp", .integer(let value)) where value >= 0: return .timestamp(UInt64(value))
        case ("bytes", .string(let base64)): return Data(base64Encoded: base64).map { .bytes([UInt8]($0)) }
        case ("array", .array(let items)):
            var values: [AMQPValue] = []
            values.reserveCapacity(items.count)
            for item in items {
                guard let value = value(item) else { return nil }
                values.append(value)
            }
            return .array(values)
        case ("table", .object(let table)): return headers(table).map { .table($0) }
        case ("void", _): return .void
        default: return nil
        }
    }
}

/// Re-publishes dead letters to where they were first published, with their original message id
/// (so the worker's inbox applies each once), without the failure headers (attempts start again)
/// and with `x-remit-replay` counting replays. A dead letter leaves the store only in the
/// transaction after the broker confirmed its re-publish: a crash or a refused publish loses
/// nothing (at worst a message is re-published and still stored, and the inbox makes that harmless).
public struct DeadLetterReplayer: Sendable {
    public let topology: Topology
    public let amqp: AMQPConfiguration
    public let store: OperationsStore
    public let clock: any WallClock
    public let logger: Logger

    public init(topology: Topology, amqp: AMQPConfiguration, store: OperationsStore, clock: any WallClock, logger: Logger) {
        self.topology = topology
        self.amqp = amqp
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    public struct Options: Sendable {
        public var filter: DeadLetterFilter
        /// The filter and options as the operator gave them, for the audit.
        public var described: String
        public var limit: Int?
        /// Messages per second at most.
        public var rate: Double?
        public var edits: [DeadLetterEdit]
        public var actor: String
        /// Messages per confirmed batch (smaller under a low `rate`).
        public var batchSize = 200

        public init(
            filter: DeadLetterFilter, described: String, limit: Int? = nil, rate: Double? = nil, edits: [DeadLetterEdit] = [],
            actor: String
        ) {
            self.filter = filter
            self.described = described
            self.limit = limit
            self.rate = rate
            self.edits = edits
            self.actor = actor
        }
    }

    /// One dead letter ready to go: the message as it will be published and what an edit changed.
    public struct Prepared: Sendable {
        public var letter: DeadLetter
        public var outbound: OutboundMessage
        public var changes: [DeadLetterEdit.Change]
    }

    public struct Summary: Sendable, Equatable {
        public var matched: Int
        public var replayed: Int
        public var auditId: Int64?
    }

    /// What a replay would publish, checked as the replay checks it (edits applied and validated);
    /// changes nothing. Throws when any matching dead letter cannot be replayed.
    public func plan(_ options: Options) async throws -> [Prepared] {
        let letters = try await store.pool.read { db in try DeadLetter.matching(db, options.filter, limit: options.limit) }
        return try letters.map { try prepare($0, edits: options.edits) }
    }

    /// Replays the matching dead letters; `progress` is told after each confirmed batch.
    public func replay(_ options: Options, progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> Summary {
        let ids = try await store.pool.read { db in try DeadLetter.ids(db, options.filter, limit: options.limit) }
        guard !ids.isEmpty else { return Summary(matched: 0, replayed: 0, auditId: nil) }
        // Every dead letter is checked before the first is published: an edit that breaks one
        // message's schema publishes nothing at all.
        for chunk in ids.chunked(options.batchSize) {
            let letters = try await store.pool.read { db in try DeadLetter.load(db, ids: Array(chunk)) }
            for letter in letters { _ = try prepare(letter, edits: options.edits) }
        }
        let action: DeadLetterAudit.Action = options.edits.isEmpty ? .replay : .edit
        let audit = try await store.pool.write { db in
            try DeadLetterAudit.begin(
                db,
                DeadLetterAudit(at: clock.now(), actor: options.actor, action: action, filter: options.described, matched: ids.count))
        }
        let auditId = audit.id!
        var batchSize = options.batchSize
        if let rate = options.rate { batchSize = max(1, min(batchSize, Int(rate / 5))) }
        var replayed = 0
        let started = ContinuousClock.now
        // One batch's delete and audit (a transaction with its fsync) runs while the next batch is
        // read and published: a letter still leaves the store only after its own confirm.
        var recording: Task<Int, any Error>?
        func recorded() async throws {
            guard let batch = recording else { return }
            recording = nil
            replayed += try await batch.value
            progress(replayed, ids.count)
        }
        do {
            try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
                for chunk in ids.chunked(batchSize) {
                    let letters = try await store.pool.read { db in try DeadLetter.load(db, ids: Array(chunk)) }
                    let prepared = try letters.map { try prepare($0, edits: options.edits) }
                    try await connection.publish(prepared.map(\.outbound))
                    let changes = try prepared.map { item in
                        (item.letter, change: item.changes.isEmpty ? nil : try Self.describe(item.changes))
                    }
                    try await recorded()
                    recording = Task { [store] in
                        try await store.pool.write { db in
                            try DeadLetter.delete(db, ids: letters.compactMap(\.id))
                            try DeadLetterAudit.record(db, id: auditId, changes)
                        }
                        return letters.count
                    }
                    if let rate = options.rate {
                        let due = started + .milliseconds(Int64(Double(replayed + letters.count) / rate * 1000))
                        if due > ContinuousClock.now { try await Task.sleep(until: due) }
                    }
                }
                try await recorded()
            }
        } catch {
            // The batch being recorded when the next one failed is counted (or not) before reporting.
            try? await recorded()
            let detail = "stopped after \(replayed) of \(ids.count): \(error)"
            try? await store.pool.write { db in try DeadLetterAudit.finish(db, id: auditId, outcome: .failed, detail: detail) }
            throw DeadLetterError(
                "replay \(detail); the \(ids.count - replayed) not confirmed are still in the store (audit \(auditId))")
        }
        try await store.pool.write { db in try DeadLetterAudit.finish(db, id: auditId, outcome: .completed, detail: nil) }
        return Summary(matched: ids.count, replayed: replayed, auditId: auditId)
    }

    func prepare(_ letter: DeadLetter, edits: [DeadLetterEdit]) throws -> Prepared {
        let shownId = letter.messageId.isEmpty ? "#\(letter.id ?? 0)" : letter.messageId
        guard let exchange = letter.originalExchange, let routingKey = letter.originalRoutingKey else {
            throw DeadLetterError(
                "dead letter \(shownId) in \(letter.deadLetterQueue) does not say where it was published; leave it out (filters) or purge it"
            )
        }
        var properties = try DeadLetterProperties.decode(letter)
        for name in RemitHeader.failure + RemitHeader.brokerDeathHistory { properties.headers[name] = nil }
        properties.headers[RemitHeader.replay] = .int(Int64(letter.replayCount + 1))
        properties.persistent = true
        var body = [UInt8](letter.body)
        let changes = try DeadLetterEdit.apply(edits, body: &body, headers: &properties.headers, messageId: shownId)
        if changes.contains(where: { $0.path.hasPrefix("body.") }) {
            let problems = MessageValidator(topology: topology).violations(envelope: try JSONValue.parse(Data(body)))
            guard problems.isEmpty else {
                throw DeadLetterError(
                    "the edit makes dead letter \(shownId) invalid, nothing was published: \(MessageValidator.summarize(problems))")
            }
        }
        return Prepared(
            letter: letter,
            outbound: OutboundMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: true),
            changes: changes)
    }

    public static func describe(_ changes: [DeadLetterEdit.Change]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(changes), as: UTF8.self)
    }
}

/// Purging and exporting: store-only actions, each audited with the ids it touched.
public struct DeadLetterArchive: Sendable {
    public let store: OperationsStore
    public let clock: any WallClock

    public init(store: OperationsStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Deletes the matching dead letters (in one transaction with their audit); returns how many.
    public func purge(_ filter: DeadLetterFilter, described: String, actor: String) async throws -> Int {
        try await store.pool.write { db in
            let letters = try DeadLetter.matching(db, filter)
            guard !letters.isEmpty else { return 0 }
            let audit = try DeadLetterAudit.begin(
                db, DeadLetterAudit(at: clock.now(), actor: actor, action: .purge, filter: described, matched: letters.count))
            try DeadLetter.delete(db, ids: letters.compactMap(\.id))
            try DeadLetterAudit.record(db, id: audit.id!, letters.map { ($0, change: nil) })
            try DeadLetterAudit.finish(db, id: audit.id!, outcome: .completed, detail: nil)
            return letters.count
        }
    }

    /// Writes the matching dead letters as JSON lines (`DeadLetterView`) to `output`; returns how many.
    public func export(
        _ filter: DeadLetterFilter, described: String, actor: String, to output: FileHandle, destination: String
    )
        async throws -> Int
    {
        let letters = try await store.pool.read { db in try DeadLetter.matching(db, filter) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for chunk in letters.chunked(500) {
            var data = Data()
            for letter in chunk {
                data += try encoder.encode(try DeadLetterView(letter))
                data.append(0x0A)
            }
            try output.write(contentsOf: data)
        }
        try await store.pool.write { db in
            let audit = try DeadLetterAudit.begin(
                db, DeadLetterAudit(at: clock.now(), actor: actor, action: .export, filter: described, matched: letters.count))
            try DeadLetterAudit.record(db, id: audit.id!, letters.map { ($0, change: nil) })
            try DeadLetterAudit.finish(db, id: audit.id!, outcome: .completed, detail: destination)
        }
        return letters.count
    }
}

/// A dead letter as `list --json`, `show --json` and `export` write it.
public struct DeadLetterView: Sendable, Codable, Equatable {
    public var messageId: String
    public var type: String
    public var correlationId: String?
    public var deadLetterQueue: String
    public var worker: String
    public var originalQueue: String
    public var originalExchange: String?
    public var originalRoutingKey: String?
    public var reason: String
    public var error: String
    public var attempts: Int
    public var failedAt: String
    public var collectedAt: String
    public var replayCount: Int
    public var properties: AMQPProperties
    /// The body as JSON when it is JSON; otherwise `bodyText` (UTF-8) or `bodyBase64`.
    public var body: JSONValue?
    public var bodyText: String?
    public var bodyBase64: String?

    public init(_ letter: DeadLetter) throws {
        messageId = letter.messageId
        type = letter.messageType
        correlationId = letter.correlationId
        deadLetterQueue = letter.deadLetterQueue
        worker = letter.worker
        originalQueue = letter.originalQueue
        originalExchange = letter.originalExchange
        originalRoutingKey = letter.originalRoutingKey
        reason = letter.reason
        error = letter.error
        attempts = letter.attempts
        failedAt = Timestamp.format(letter.failedAt)
        collectedAt = Timestamp.format(letter.collectedAt)
        replayCount = letter.replayCount
        properties = try DeadLetterProperties.decode(letter)
        if let json = try? JSONValue.parse(letter.body) {
            body = json
        } else if let text = String(data: letter.body, encoding: .utf8) {
            bodyText = text
        } else {
            bodyBase64 = letter.body.base64EncodedString()
        }
    }
}

/// What operators type for dead-letter filters and options, read into values; each mistake is
/// one clear line.
public enum DeadLetterInput {
    /// The dead-letter queue a `--queue` names: a worker kind, its work queue or its dead-letter queue.
    public static func queue(_ text: String, topology: Topology) throws -> String {
        for kind in topology.workers.kinds where [kind.name, kind.queue, kind.deadLetterQueue].contains(text) {
            return kind.deadLetterQueue
        }
        throw DeadLetterError(
            "unknown queue '\(text)'; give a worker kind, its queue or its dead-letter queue: "
                + topology.workers.kinds.map(\.queue).joined(separator: ", "))
    }

    /// A `--since`/`--until`: an ISO 8601 timestamp, a date (midnight UTC), or a time ago (`90s`,
    /// `30m`, `2h`, `7d`).
    public static func time(_ text: String, option: String, now: Date) throws -> Date {
        if let date = Timestamp.parse(text) { return date }
        if let day = CalendarDate(text) { return Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400) }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        if let unit = text.last, let seconds = units[unit], let count = Int(text.dropLast()), count >= 0, count <= 36_500 * 86_400 {
            return now.addingTimeInterval(-Double(count) * seconds)
        }
        throw DeadLetterError(
            "bad \(option) '\(text)': give a timestamp (2026-11-29T10:15:00Z), a date (2026-11-29) or a time ago (30m, 2h, 7d)")
    }

    /// A `--rate`: messages per second, `50` or `50/s`, from 0.1 to 100,000.
    public static func rate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let rate = Double(number), rate.isFinite, rate >= 0.1, rate <= 100_000 else {
            throw DeadLetterError("bad --rate '\(text)': give messages per second from 0.1 to 100000, e.g. 50/s")
        }
        return rate
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
