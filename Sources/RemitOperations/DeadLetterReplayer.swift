import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// Re-publishes dead letters to where they were first published, with their original message id
/// (so the worker's inbox applies each once), without the failure headers (attempts start again)
/// and with `x-remit-replay` counting replays. A dead letter leaves the store only in the
/// transaction after the broker confirmed its re-publish: a crash or a refused publish loses
/// nothing (at worst a message is re-published and still stored, and the inbox makes that harmless).
public struct DeadLetterReplayer: Sendable {
    public let topology: Topology
    public let amqp: AMQPConfiguration
    public let store: any OperationsStoreBackend
    public let clock: any WallClock
    public let logger: Logger

    public init(topology: Topology, amqp: AMQPConfiguration, store: any OperationsStoreBackend, clock: any WallClock, logger: Logger) {
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
        let letters = try await store.readOperations { try $0.deadLetters.matching(options.filter, limit: options.limit) }
        return try letters.map { try prepare($0, edits: options.edits) }
    }

    /// Every dead letter is checked before the first is published: an edit that breaks one
    /// message's schema publishes nothing at all.
    private func checkEvery(_ ids: [Int64], _ options: Options) async throws {
        for chunk in ids.chunked(options.batchSize) {
            let letters = try await store.readOperations { try $0.deadLetters.load(ids: Array(chunk)) }
            for letter in letters { _ = try prepare(letter, edits: options.edits) }
        }
    }

    /// The audit entry of this replay (or edit), begun; its id.
    private func beginAudit(_ options: Options, matched: Int) async throws -> Int64 {
        let action: DeadLetterAudit.Action = options.edits.isEmpty ? .replay : .edit
        let audit = try await store.writeOperations { transaction in
            try transaction.audit.begin(
                DeadLetterAudit(at: clock.now(), actor: options.actor, action: action, filter: options.described, matched: matched))
        }
        return audit.id!
    }

    /// Replays the matching dead letters; `progress` is told after each confirmed batch.
    public func replay(_ options: Options, progress: @Sendable (_ done: Int, _ total: Int) -> Void = { _, _ in }) async throws -> Summary {
        let ids = try await store.readOperations { try $0.deadLetters.ids(options.filter, limit: options.limit) }
        guard !ids.isEmpty else { return Summary(matched: 0, replayed: 0, auditId: nil) }
        try await checkEvery(ids, options)
        let auditId = try await beginAudit(options, matched: ids.count)
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
                    let letters = try await store.readOperations { try $0.deadLetters.load(ids: Array(chunk)) }
                    let prepared = try letters.map { try prepare($0, edits: options.edits) }
                    try await connection.publish(prepared.map(\.outbound))
                    let changes = try prepared.map { item in
                        (item.letter, change: item.changes.isEmpty ? nil : try Self.describe(item.changes))
                    }
                    try await recorded()
                    recording = Task { [store] in
                        try await store.writeOperations { transaction in
                            try transaction.deadLetters.delete(ids: letters.compactMap(\.id))
                            try transaction.audit.record(id: auditId, changes)
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
            try? await store.writeOperations { try $0.audit.finish(id: auditId, outcome: .failed, detail: detail) }
            throw DeadLetterError(
                "replay \(detail); the \(ids.count - replayed) not confirmed are still in the store (audit \(auditId))")
        }
        try await store.writeOperations { try $0.audit.finish(id: auditId, outcome: .completed, detail: nil) }
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
