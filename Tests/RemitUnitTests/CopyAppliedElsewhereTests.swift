import Foundation
import Logging
import RemitAMQP
@testable import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization
import Testing
@testable import RemitRuntime

/// With the channel store shared by several hosts (PostgreSQL), two copies of one message may be
/// applied at once: both find the inbox empty, and the second, after waiting on the first's row
/// locks, collides with its outcome or inbox row. Found by `ScaleOutRaceTests`: in a batch already
/// running a savepoint per message, that collision was dead-lettered as bad input. Here the other
/// host's commit lands, on cue, between the inbox check and the handler's failure.
@Suite("A copy of a message applied by another host meanwhile")
struct CopyAppliedElsewhereTests {
    /// An inbox shared with "another host": a message it commits becomes visible to every later
    /// look-up, as a row committed under READ COMMITTED does. Nothing else is stored.
    final class SharedInbox: MessageStoreBackend, MessageInbox, StoreTransaction, @unchecked Sendable {
        // @unchecked: the state is behind the mutex.
        private let committed = Mutex<[String: AppliedMessage]>([:])
        var path: String { "shared-inbox" }
        var inbox: any MessageInbox { self }

        func commitElsewhere(_ messageId: String, digest: String) {
            committed.withLock { $0[messageId] = AppliedMessage(contentDigest: digest, followUps: []) }
        }

        func applied(consumer: String, messageId: String) throws -> AppliedMessage? { committed.withLock { $0[messageId] } }
        func record(_ record: InboxRecord) throws {}
        func prune(appliedBefore cutoff: Date, limit: Int) throws -> Int { 0 }
        func count() throws -> Int { committed.withLock { $0.count } }
        func savepoint<T>(_ body: () throws -> T) throws -> T { try body() }

        func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try body(self) }
        func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try body(self) }
        func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T { try body(self) }
        func read<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T { try body(self) }
    }

    /// Smoke messages by key: `flaky` fails like a dependency down for a moment (so the batch runs
    /// again with a savepoint per message); `copy` finds that the other host has just committed the
    /// same message and collides with its row; `clash` collides with a row of another message.
    struct Collisions: MessageHandler {
        struct FlakyDependency: Error {}
        let inbox: SharedInbox
        let digests: [String: String]
        var bodyTypes: [any MessageBody.Type] { [SmokeRecord.self] }

        func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage] {
            let key = (message.body as? SmokeRecord)?.key ?? ""
            if key == "flaky" { throw FlakyDependency() }
            if key == "copy" { inbox.commitElsewhere(message.header.id, digest: digests[message.header.id] ?? "") }
            throw StoreFailure(.constraint, store: inbox.path, detail: "PostgreSQL error 23505: duplicate key value")
        }
    }

    func smoke(id: String, key: String) -> String {
        #"{"type":"smoke.record","version":1,"id":"\#(id)","correlationId":"c","occurredAt":"2026-11-29T10:00:00.000Z","actingUser":"system:test","body":{"key":"\#(key)","amount":{"amount":"1.00","currency":"EUR"}}}"#
    }

    @Test func aCollisionWithTheSameMessageCommittedElsewhereIsADuplicateNotBadInput() async throws {
        let topology = try Topology.load(from: repositoryTopology)
        let bodies = [smoke(id: "m-flaky", key: "flaky"), smoke(id: "m-copy", key: "copy"), smoke(id: "m-clash", key: "clash")]
        let inbox = SharedInbox()
        let ids = ["m-flaky", "m-copy", "m-clash"]
        let digests = Dictionary(uniqueKeysWithValues: zip(ids, bodies.map { ContentDigest.sha256(Array($0.utf8)) }))
        var settings = WorkerRuntime.Settings(consumers: 1, prefetch: 10)
        settings.storePause = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))
        let runtime = WorkerRuntime(
            kind: try topology.kind(named: "smoke"), topology: topology, amqp: AMQPConfiguration(),
            handler: Collisions(inbox: inbox, digests: digests), store: inbox, clock: SystemWallClock(), settings: settings,
            logger: Logger(label: "test"))
        let deliveries = bodies.enumerated().map { index, body in
            Delivery(
                deliveryTag: UInt64(index + 1), redelivered: false, exchange: topology.workers.exchange, routingKey: "smoke.record",
                consumerTag: "test", body: Array(body.utf8), properties: AMQPProperties())
        }
        let settled = try #require(await runtime.prepare(deliveries))
        #expect(settled.applied == 1, "the copy is a duplicate of what the other host applied")
        #expect(settled.retried == 1, "the flaky message goes to a retry tier")
        let deadLetters = settled.publishes.filter { $0.exchange == topology.workers.deadLetterExchange }
        #expect(deadLetters.count == 1, "only the clash with another message's row is dead-lettered")
        let deadLetter = try #require(deadLetters.first)
        #expect(deadLetter.properties.headers[RemitHeader.reason]?.stringValue == "bad-input")
        #expect(String(decoding: deadLetter.body, as: UTF8.self).contains("m-clash"))
    }
}
