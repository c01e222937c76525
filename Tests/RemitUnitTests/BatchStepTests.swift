import Foundation
import GRDB
import Logging
import RemitAMQP
@testable import RemitClient
import RemitWorkers
import Synchronization
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitRuntime
@testable import RemitSQLite
import RemitStore

/// The worker runtime's batch step — decode, apply in one transaction with the inbox, decide each
/// delivery's outcome — on an in-memory database, without a broker.
@Suite("Worker batch step (no broker)")
struct BatchStepTests {
    struct MemoryStore: MessageStore {
        let database: any DatabaseWriter
        var path: String { ":memory:" }
        /// As PostgreSQL's store sets it: the batch applied in transactions of this many messages.
        var messagesPerTransaction: Int?

        init(messagesPerTransaction: Int? = nil) throws {
            let queue = try DatabaseQueue()
            try ChannelStore.migrator.migrate(queue)
            database = queue
            self.messagesPerTransaction = messagesPerTransaction
        }

        /// The channel store's tables, so the channel store's transaction (the smoke handler's).
        func transaction(_ db: Database) -> SQLiteTransaction { SQLiteChannelTransaction(db, store: path) }
    }

    /// The smoke handler, with failures on cue: `flaky-*` keys fail like a dependency that is down
    /// for a moment, `busy-*` keys like a database locked from outside, and the first
    /// `fullFailures` calls like a full disk.
    final class ScriptedStoreFailures: MessageHandler, @unchecked Sendable {
        // @unchecked: `fullFailures` is only touched inside the store's serialized write transactions.
        let smoke = SmokeRecordHandler()
        var fullFailures: Int
        var busyFailures: Int
        /// How many times each key was handled (a transaction run again handles its messages again).
        var handled: [String: Int] = [:]
        init(fullFailures: Int = 0, busyFailures: Int = 0) {
            self.fullFailures = fullFailures
            self.busyFailures = busyFailures
        }
        var bodyTypes: [any MessageBody.Type] { smoke.bodyTypes }

        func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage] {
            if let record = message.body as? SmokeRecord { handled[record.key, default: 0] += 1 }
            if fullFailures > 0 {
                fullFailures -= 1
                throw DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
            }
            if let record = message.body as? SmokeRecord, record.key.hasPrefix("busy"), busyFailures > 0 {
                busyFailures -= 1
                throw DatabaseError(resultCode: .SQLITE_BUSY, message: "database is locked")
            }
            if let record = message.body as? SmokeRecord, record.key.hasPrefix("flaky") {
                throw FlakyDependency()
            }
            return try smoke.handle(message, context: context, in: transaction)
        }
    }

    let topology: Topology
    let store: MemoryStore

    init() throws {
        topology = try Topology.load(from: repositoryTopology)
        store = try MemoryStore()
    }

    func runtime(_ handler: any MessageHandler = ScriptedStoreFailures(), store: MemoryStore? = nil) throws -> WorkerRuntime {
        var settings = WorkerRuntime.Settings(consumers: 1, prefetch: 100)
        settings.storePause = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5))
        return WorkerRuntime(
            kind: try topology.kind(named: "smoke"), topology: topology, amqp: AMQPConfiguration(),
            handler: handler, store: store ?? self.store, clock: SystemWallClock(), settings: settings,
            logger: Logger(label: "test"))
    }

    /// One delivery as the broker hands it over; tags count up from 1 in batch order.
    struct Message {
        var body: String
        var headers: AMQPTable = [:]
    }

    func deliveries(_ messages: [Message]) -> [Delivery] {
        messages.enumerated().map { index, message in
            Delivery(
                deliveryTag: UInt64(index + 1), redelivered: false, exchange: topology.workers.exchange,
                routingKey: "smoke.record", consumerTag: "test", body: Array(message.body.utf8),
                properties: AMQPProperties(headers: message.headers))
        }
    }

    func smoke(id: String, key: String, amount: String = "1.00", headers: AMQPTable = [:]) -> Message {
        Message(
            body:
                #"{"type":"smoke.record","version":1,"id":"\#(id)","correlationId":"c","occurredAt":"2026-11-29T10:00:00.000Z","actingUser":"system:test","body":{"key":"\#(key)","amount":{"amount":"\#(amount)","currency":"EUR"}}}"#,
            headers: headers)
    }

    func prepare(
        _ messages: [Message], with handler: any MessageHandler = ScriptedStoreFailures()
    ) async throws
        -> WorkerRuntime.SettlementBatch
    {
        try #require(await runtime(handler).prepare(deliveries(messages)))
    }

    func rows(_ sql: String) throws -> Int { try store.database.read { try Int.fetchOne($0, sql: sql) ?? 0 } }

    func deadLetters(_ batch: WorkerRuntime.SettlementBatch) -> [(reason: String, error: String)] {
        batch.publishes.filter { $0.exchange == topology.workers.deadLetterExchange }.map {
            ($0.properties.headers[RemitHeader.reason]?.stringValue ?? "", $0.properties.headers[RemitHeader.error]?.stringValue ?? "")
        }
    }

    /// The smoke handler, except that for keys starting `unsendable` it returns a follow-up its
    /// consumer would refuse (an amount with more decimals than EUR has), after writing its row.
    struct SendsWhatItsConsumerRefuses: MessageHandler {
        let smoke = SmokeRecordHandler()
        var bodyTypes: [any MessageBody.Type] { smoke.bodyTypes }

        func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage] {
            var followUps = try smoke.handle(message, context: context, in: transaction)
            if let record = message.body as? SmokeRecord, record.key.hasPrefix("unsendable") {
                let text = String(decoding: followUps[0].body, as: UTF8.self).replacingOccurrences(of: "\"1.00\"", with: "\"1.005\"")
                followUps[0].body = Data(text.utf8)
            }
            return followUps
        }
    }

    @Test func aFollowUpItsConsumerWouldRefuseFailsItsMessageLeavesNoTraceAndIsNeverPublished() async throws {
        let settled = try await prepare(
            [smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "unsendable-b"), smoke(id: "m-3", key: "c")],
            with: SendsWhatItsConsumerRefuses())
        #expect(settled.applied == 2)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 2, "the refused message's row was rolled back")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 2, "and it is not in the inbox: a replay after the fix applies it")
        let followUps = settled.publishes.filter { $0.exchange == topology.workers.exchange }
        #expect(followUps.count == 2, "only the other messages' follow-ups go out")
        let check = FollowUpCheck(topology: topology)
        for followUp in followUps {
            let message = OutgoingMessage(
                type: followUp.routingKey, messageId: followUp.properties.messageId ?? "", correlationId: "c", body: Data(followUp.body))
            #expect(check.problems(of: message).isEmpty)
        }
        let failures = deadLetters(settled)
        #expect(failures.count == 1)
        #expect(failures.first?.reason == "unsendable-follow-up")
        #expect(failures.first?.error.contains("refused to send smoke.recorded") == true, "\(failures.first?.error ?? "")")
        #expect(failures.first?.error.contains("more decimals") == true, "\(failures.first?.error ?? "")")
    }

    @Test func aBadMessageARedeliveryAndAnIdConflictInsideAGoodBatch() async throws {
        let batch = [
            smoke(id: "m-1", key: "a"),
            Message(
                body:
                    #"{"type":"smoke.record","version":1,"id":"m-bad","correlationId":"c","occurredAt":"2026-11-29T10:00:00Z","actingUser":"system:test","body":{"key":"b"}}"#
            ),
            smoke(id: "m-2", key: "c"),
            smoke(id: "m-1", key: "a"),  // the same message again: a redelivery
            smoke(id: "m-1", key: "other"),  // the same id with other content
        ]
        let settled = try await prepare(batch)
        #expect(settled.applied == 3)
        #expect(settled.failed == 2)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 2, "a and c, once each")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 2)
        let followUps = settled.publishes.filter { $0.exchange == topology.workers.exchange }
        #expect(followUps.map(\.routingKey) == ["smoke.recorded", "smoke.recorded", "smoke.recorded"])
        #expect(followUps[0].body == followUps[2].body, "the redelivery re-publishes the same follow-up bytes")
        let failures = deadLetters(settled)
        #expect(failures.count == 2)
        #expect(failures[0].reason == "bad-input" && failures[0].error.contains("missing required property 'amount'"))
        #expect(
            failures[1].reason == "id-conflict" && failures[1].error.contains("'m-1' was already applied with other content"),
            "\(failures[1])")
        #expect(settled.lastDeliveryTag == 5)
    }

    /// The smoke handler with an effect outside the store for every record (as e-mail dispatch
    /// sends an e-mail): counts the effects performed; each waits until `preparesBeforePerforming`
    /// effects were prepared (so that concurrent batches both prepare before either records).
    final class CountedEffects: ExternalEffectHandler, Sendable {
        let smoke = SmokeRecordHandler()
        let preparesBeforePerforming: Int
        let state = Mutex<(prepared: Int, performed: [String])>((0, []))
        init(preparesBeforePerforming: Int = 0) { self.preparesBeforePerforming = preparesBeforePerforming }
        var performed: [String] { state.withLock { $0.performed } }
        var bodyTypes: [any MessageBody.Type] { smoke.bodyTypes }

        func prepareEffect(
            for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
        ) throws -> (any Sendable)? {
            state.withLock { $0.prepared += 1 }
            return (message.body as? SmokeRecord)?.key
        }

        func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
            for _ in 0..<500 where state.withLock({ $0.prepared }) < preparesBeforePerforming {
                try? await Task.sleep(for: .milliseconds(10))
            }
            state.withLock { $0.performed.append(effect as? String ?? "?") }
            return .succeeded(detail: "250 ok")
        }

        func recordEffect(
            _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
            in transaction: any StoreTransaction
        ) throws {}

        func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage] {
            try smoke.handle(message, context: context, in: transaction)
        }
    }

    /// Found by the cluster fault run: a producer published a message twice under one id, and both
    /// copies were in a batch before either's effect was recorded; the second's record hit the
    /// first's inbox row and was dead-lettered as bad input.
    @Test func twoCopiesOfAMessageWithAnEffectInOneBatchPerformItOnceAndApplyOnce() async throws {
        let effects = CountedEffects()
        let settled = try await prepare(
            [smoke(id: "m-1", key: "a"), smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "b")], with: effects)
        #expect(settled.applied == 3 && settled.failed == 0)
        #expect(deadLetters(settled).isEmpty, "\(deadLetters(settled))")
        #expect(effects.performed.sorted() == ["a", "b"], "the copy's effect is not performed again")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 2)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 2)
        let followUps = settled.publishes.filter { $0.exchange == topology.workers.exchange }
        #expect(followUps.count == 3 && followUps[0].body == followUps[1].body, "the copy re-publishes the first's follow-up")
    }

    /// Effects that are performed only once all of a batch's are under way (each waits up to 5 s for
    /// the others), and whose record refuses the key `refuse` as bad input.
    final class OverlappingEffects: ExternalEffectHandler, Sendable {
        let smoke = SmokeRecordHandler()
        let batch: Int
        let refuse: String
        let state = Mutex<(running: Int, most: Int)>((0, 0))
        init(batch: Int, refuse: String) {
            self.batch = batch
            self.refuse = refuse
        }
        var most: Int { state.withLock { $0.most } }
        var bodyTypes: [any MessageBody.Type] { smoke.bodyTypes }

        func prepareEffect(
            for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
        ) throws -> (any Sendable)? { (message.body as? SmokeRecord)?.key }

        func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
            state.withLock { state in
                state.running += 1
                state.most = max(state.most, state.running)
            }
            for _ in 0..<500 where most < batch { try? await Task.sleep(for: .milliseconds(10)) }
            state.withLock { $0.running -= 1 }
            return .succeeded(detail: "250 ok")
        }

        func recordEffect(
            _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
            in transaction: any StoreTransaction
        ) throws {
            if effect as? String == refuse { throw BadInput("the far side's answer cannot be recorded") }
        }

        func handle(_ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction) throws -> [OutgoingMessage] {
            try smoke.handle(message, context: context, in: transaction)
        }
    }

    /// A batch's effects run at once (the file outbox's fsyncs then share journal commits), and
    /// their outcomes are recorded in one transaction, each message in a savepoint: one that cannot
    /// be recorded is dead-lettered and leaves no trace; the others apply.
    @Test func aBatchsEffectsRunAtOnceAndOneFailingRecordLeavesTheOthersApplied() async throws {
        let effects = OverlappingEffects(batch: 3, refuse: "b")
        let settled = try await prepare(
            [smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "b"), smoke(id: "m-3", key: "c")], with: effects)
        #expect(effects.most == 3, "all three effects under way at once")
        #expect(settled.applied == 2 && settled.deadLettered == 1)
        #expect(deadLetters(settled).map(\.reason) == ["bad-input"])
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 2)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 2)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record WHERE key IN ('a', 'c')") == 2, "b's savepoint rolled back")
    }

    /// A batch of large messages is split into parts of bounded bytes, in delivery order; a message
    /// larger than the bound is a part of its own.
    @Test func aBatchIsSplitIntoPartsOfBoundedBytesInOrder() {
        let sizes = [100, 100, 100, 500, 50, 50]
        let batch = sizes.enumerated().map { index, size in
            Delivery(
                deliveryTag: UInt64(index + 1), redelivered: false, exchange: "remit", routingKey: "smoke.record",
                consumerTag: "test", body: Array(repeating: 0x20, count: size), properties: AMQPProperties())
        }
        let parts = WorkerRuntime.parts(of: batch, bytes: 250)
        #expect(parts.map { $0.map(\.deliveryTag) } == [[1, 2], [3], [4], [5, 6]])
        #expect(WorkerRuntime.parts(of: batch, bytes: .max).map(\.count) == [6])
        #expect(WorkerRuntime.parts(of: [], bytes: 10).isEmpty)
    }

    /// Copies in different batches (another consumer's), both prepared before either is recorded,
    /// both perform the effect — at least once — but the later record finds the earlier one in the
    /// inbox: a duplicate, not bad input.
    @Test func aCopyRecordedMeanwhileByAnotherBatchIsADuplicate() async throws {
        let effects = CountedEffects(preparesBeforePerforming: 2)
        let runtime = try runtime(effects)
        async let first = runtime.prepare(deliveries([smoke(id: "m-1", key: "a")]))
        async let second = runtime.prepare(deliveries([smoke(id: "m-1", key: "a")]))
        let batches = [try #require(await first), try #require(await second)]
        #expect(batches.allSatisfy { $0.applied == 1 && $0.failed == 0 }, "\(batches.map(\.failed))")
        #expect(batches.allSatisfy { deadLetters($0).isEmpty })
        #expect(effects.performed == ["a", "a"], "both were prepared before either was recorded")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 1)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 1)
    }

    struct FlakyDependency: Error {}

    @Test func aTransientErrorSpendsOneAttemptOfThatMessageOnly() async throws {
        let settled = try await prepare([smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "flaky-1")])
        #expect(settled.applied == 1)
        let retries = settled.publishes.filter { $0.exchange == "" }
        #expect(retries.map(\.routingKey) == ["remit.smoke.retry.1"])
        #expect(retries.first?.properties.headers[RemitHeader.attempt] == .int(2))
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 1)
    }

    @Test func aUniqueConstraintIsBadInputNotRetried() async throws {
        let settled = try await prepare([smoke(id: "m-1", key: "same"), smoke(id: "m-2", key: "same")])
        #expect(settled.applied == 1)
        #expect(settled.publishes.filter { $0.exchange == "" }.isEmpty, "nothing goes to a retry tier")
        let failures = deadLetters(settled)
        #expect(failures.count == 1)
        #expect(failures.first?.reason == "bad-input")
        #expect(failures.first?.error.contains("UNIQUE constraint failed") == true, "\(failures)")
    }

    @Test func aFailingStorePausesTheBatchWithoutSpendingAttempts() async throws {
        let handler = ScriptedStoreFailures(fullFailures: 3)
        let settled = try await prepare([smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "b")], with: handler)
        #expect(handler.fullFailures == 0, "the store was tried again until it answered")
        #expect(settled.applied == 2)
        #expect(settled.failed == 0)
        #expect(settled.publishes.allSatisfy { $0.exchange == topology.workers.exchange }, "no retry, no dead letter")
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 2)
    }

    @Test func aStoreLockedFromOutsideIsWaitedOutWithoutSpendingAttempts() async throws {
        let handler = ScriptedStoreFailures(busyFailures: 2)
        let settled = try await prepare([smoke(id: "m-1", key: "a"), smoke(id: "m-2", key: "busy-1")], with: handler)
        #expect(handler.busyFailures == 0)
        #expect(settled.applied == 2)
        #expect(settled.publishes.allSatisfy { $0.exchange == topology.workers.exchange }, "no retry, no dead letter")
    }

    /// PostgreSQL's store applies a batch in transactions of a few messages, so that another host
    /// waits for a few rows, not hundreds: a conflict runs its own part again, not the whole batch.
    @Test func aStoreOfSmallTransactionsAppliesTheBatchInPartsAndRunsOnlyTheConflictingPartAgain() async throws {
        let handler = ScriptedStoreFailures(busyFailures: 1)
        let parts = try MemoryStore(messagesPerTransaction: 2)
        let keys = ["a", "b", "busy-c", "d", "e"]
        let batch = deliveries(keys.enumerated().map { smoke(id: "m-\($0.offset)", key: $0.element) })
        let settled = try #require(await runtime(handler, store: parts).prepare(batch))
        #expect(settled.applied == 5)
        #expect(settled.publishes.allSatisfy { $0.exchange == topology.workers.exchange }, "no retry, no dead letter")
        #expect(handler.handled == ["a": 1, "b": 1, "busy-c": 2, "d": 1, "e": 1], "\(handler.handled)")
        #expect(try await parts.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM inbox") } == 5)
        // The whole batch in one transaction (SQLite's way): the conflict runs all of it again.
        let whole = ScriptedStoreFailures(busyFailures: 1)
        _ = try #require(await runtime(whole, store: try MemoryStore()).prepare(batch))
        #expect(whole.handled == ["a": 2, "b": 2, "busy-c": 2, "d": 1, "e": 1], "\(whole.handled)")
    }

    /// Found by the long fault run: a worker whose tasks were cancelled (not drained) while its store
    /// failed took the CancellationError for the store's and waited for it forever, and a SIGTERM
    /// then found no drain to make. A cancelled batch now ends like a drained one.
    @Test func aCancelledBatchEndsWhileTheStoreFailsAndSettlesNothing() async throws {
        let handler = ScriptedStoreFailures(fullFailures: .max)
        let runtime = try runtime(handler)
        let batch = deliveries([smoke(id: "m-1", key: "a")])
        let prepared = Task { await runtime.prepare(batch) }
        try await Task.sleep(for: .milliseconds(50))
        prepared.cancel()
        // Watched, not awaited: a batch that never ends fails the test instead of hanging it.
        let finished = Mutex(false)
        Task {
            _ = await prepared.value
            finished.withLock { $0 = true }
        }
        for _ in 0..<200 where !finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
        let ended = finished.withLock { $0 }
        #expect(ended, "the batch ended within 10 s of its cancellation")
        if ended { #expect(await prepared.value == nil, "nothing is acked, retried or dead-lettered") }
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 0)
    }

    @Test func aFailingStoreHoldsTheBatchUntilADrainAndThenSettlesNothing() async throws {
        let handler = ScriptedStoreFailures(fullFailures: .max)
        let runtime = try runtime(handler)
        let batch = deliveries([smoke(id: "m-1", key: "a")])
        async let prepared = runtime.prepare(batch)
        try await Task.sleep(for: .milliseconds(50))
        await runtime.drain()
        let settled = await prepared
        #expect(settled == nil, "nothing is acked, retried or dead-lettered: the broker redelivers it")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 0)
    }

    @Test(arguments: [
        AMQPValue.int(0), .int(-1), .int(Int64.max), .int(5), .string("2"), .bool(true), .bytes([0, 0xFF, 0x0A]),
        .string("1\r\nx-remit-reason: forged"),
    ])
    func anAttemptHeaderFromOutsideIsCheckedLikeTheBody(_ value: AMQPValue) async throws {
        let settled = try await prepare([smoke(id: "m-1", key: "a", headers: [RemitHeader.attempt: value]), smoke(id: "m-2", key: "b")])
        #expect(settled.applied == 1)
        let failures = deadLetters(settled)
        #expect(failures.count == 1)
        #expect(failures.first?.reason == "bad-input")
        #expect(failures.first?.error.contains("x-remit-attempt") == true)
        // The value is quoted with its control characters written out: no NUL, no new line.
        #expect(failures.first?.error.unicodeScalars.contains { $0.properties.generalCategory == .control } == false)
        #expect(try rows("SELECT COUNT(*) FROM smoke_record") == 1)
    }

    @Test(arguments: [
        ("", "at least 1 characters"),
        (String(repeating: "x", count: 129), "at most 128 characters"),
    ])
    func anIdThatIsNotAnIdIsBadInputNeverADuplicate(_ id: String, _ reason: String) async throws {
        let settled = try await prepare([smoke(id: id, key: "a")])
        #expect(settled.applied == 0)
        let failures = deadLetters(settled)
        #expect(failures.first?.reason == "bad-input")
        #expect(failures.first?.error.contains(reason) == true, "\(failures)")
        #expect(try rows("SELECT COUNT(*) FROM inbox") == 0)
    }
}
