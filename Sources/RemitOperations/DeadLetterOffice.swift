import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// The dead letters of a data directory's operations store, as `remit dead-letters` works on them:
/// collecting from the broker, reading, and the replayer and archive that change them.
public struct DeadLetterOffice: Sendable {
    public let topology: Topology
    let amqp: AMQPConfiguration
    let store: any OperationsStoreBackend
    let clock: any WallClock
    let logger: Logger

    /// The operations store `configuration` names (`store-url`, else its data directory's; created when missing).
    public init(_ configuration: RemitConfiguration, clock: any WallClock = SystemWallClock()) throws {
        topology = try configuration.topology()
        amqp = try configuration.amqp()
        store = try OperationsStores.open(configuration)
        self.clock = clock
        logger = Logger(label: "remit.dead-letters")
    }

    /// The store's file, for messages to the operator.
    public var path: String { store.path }

    /// Moves what the dead-letter queues hold into the store; dead letters per queue.
    public func collect() async throws -> [String: Int] {
        try await DeadLetterCollector(topology: topology, amqp: amqp, store: store, clock: clock, logger: logger).collect()
    }

    public func count(_ filter: DeadLetterFilter = DeadLetterFilter()) async throws -> Int {
        try await store.readOperations { try $0.deadLetters.count(filter) }
    }

    /// The dead letters matching `filter`, grouped by reason and error.
    public func groups(_ filter: DeadLetterFilter) async throws -> [DeadLetter.Group] {
        try await store.readOperations { try $0.deadLetters.groups(filter) }
    }

    public func letters(_ filter: DeadLetterFilter, in group: DeadLetter.Group, limit: Int? = nil) async throws -> [DeadLetter] {
        try await store.readOperations { try $0.deadLetters.matching(filter, in: group, limit: limit) }
    }

    /// The dead letters with `messageId` and what operators did to them before.
    public func letter(
        messageId: String
    ) async throws -> (letters: [DeadLetter], history: [(DeadLetterAudit, DeadLetterAuditMessage)]) {
        try await store.readOperations { transaction in
            (
                try transaction.deadLetters.matching(DeadLetterFilter(messageIds: [messageId]), limit: nil),
                try transaction.audit.history(messageId: messageId)
            )
        }
    }

    /// The newest `limit` audit entries, each with the dead letters it touched.
    public func audit(limit: Int) async throws -> [(DeadLetterAudit, [DeadLetterAuditMessage])] {
        try await store.readOperations { transaction in
            try transaction.audit.recent(limit: limit).map { ($0, try transaction.audit.touched(auditId: $0.id ?? 0)) }
        }
    }

    public var replayer: DeadLetterReplayer {
        DeadLetterReplayer(topology: topology, amqp: amqp, store: store, clock: clock, logger: logger)
    }

    public var archive: DeadLetterArchive { DeadLetterArchive(store: store, clock: clock) }

    /// The collected dead letter of `messageId` in `dataDirectory`, without creating a store: nil
    /// when there is no operations store or no such letter.
    public static func collected(messageId: String, dataDirectory: String) async throws -> DeadLetter? {
        guard let store = try OperationsStores.existing(dataDirectory: dataDirectory) else { return nil }
        return try await store.readOperations {
            try $0.deadLetters.matching(DeadLetterFilter(messageIds: [messageId]), limit: 1).first
        }
    }
}
