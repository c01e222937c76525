import Foundation
import GRDB
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitWorkers
import Synchronization
import Testing

/// The smoke kind with a switch: while it is off every message is bad input (dead-lettered at once
/// by the real runtime); once on, it is the smoke handler.
final class SwitchableSmokeHandler: TypedMessageHandler {
    let isOn = Atomic<Bool>(false)

    func handle(
        _ envelope: Envelope<SmokeRecord>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        guard isOn.load(ordering: .relaxed) else { throw BadInput("the smoke store is switched off for the test") }
        return try SmokeRecordHandler().handle(envelope, context: context, in: channel)
    }
}

extension TestBroker {
    func operationsStore() throws -> any OperationsStoreBackend { try OperationsStores.open(dataDirectory: dataDirectory) }

    func runtime(_ handler: any MessageHandler, store: ChannelStore) throws -> WorkerRuntime {
        // Quieter than the other tests' logger: thousands of dead letters are made on purpose here.
        var logger = testLogger
        logger.logLevel = .error
        return WorkerRuntime(
            kind: try kind, topology: topology, amqp: amqp, handler: handler, store: store, clock: SystemWallClock(),
            settings: .init(consumers: 1, prefetch: 100), logger: logger)
    }

    func collector() throws -> DeadLetterCollector {
        DeadLetterCollector(topology: topology, amqp: amqp, store: try operationsStore(), clock: SystemWallClock(), logger: testLogger)
    }

    func replayer() throws -> DeadLetterReplayer {
        DeadLetterReplayer(topology: topology, amqp: amqp, store: try operationsStore(), clock: SystemWallClock(), logger: testLogger)
    }

    /// Publishes straight to the dead-letter exchange one smoke dead letter per origin (exchange,
    /// routing key), as the runtime writes them: `<prefix>-<index>`, failed a second apart in order.
    func publishDeadLetters(claiming origins: [(exchange: String, routingKey: String)], prefix: String) async throws {
        let start = Date().addingTimeInterval(-60)
        try await withConnection { connection in
            try await connection.publish(
                origins.enumerated().map { index, origin in
                    OutboundMessage(
                        exchange: topology.workers.deadLetterExchange, routingKey: "remit.smoke", body: Array("{}".utf8),
                        properties: AMQPProperties(
                            messageId: "\(prefix)-\(index)", type: "smoke.record",
                            headers: [
                                RemitHeader.reason: .string("retries-exhausted"), RemitHeader.error: .string("test"),
                                RemitHeader.attempt: .int(4),
                                RemitHeader.failedAt: .string(Timestamp.format(start.addingTimeInterval(Double(index)))),
                                RemitHeader.originalExchange: .string(origin.exchange),
                                RemitHeader.originalRoutingKey: .string(origin.routingKey),
                            ]))
                })
        }
    }

    func storedDeadLetters(_ filter: DeadLetterFilter = DeadLetterFilter()) async throws -> [DeadLetter] {
        try await operationsStore().readOperations { try $0.deadLetters.matching(filter, limit: nil) }
    }

    /// A queue that gets a copy of every smoke.record published on the Remit exchange.
    func spyOnSmokeRecords(_ name: String = "test.spy.smoke-record") async throws -> String {
        try await withConnection { connection in
            try await connection.declare(QueueDeclaration(name: name, durable: false, autoDelete: false))
            try await connection.bind(queue: name, exchange: topology.workers.exchange, routingKey: "smoke.record")
        }
        return name
    }

    /// Publishes `count` smoke records while the switchable handler is off, so each becomes a real
    /// dead letter; returns their ids once they are all in the dead-letter queue.
    func produceDeadLetters(count: Int, prefix: String, handler: SwitchableSmokeHandler, store: ChannelStore) async throws -> [String] {
        let before = try await readyCount("remit.smoke.dead")
        let ids = try await publishSmoke(count: count, prefix: prefix)
        try await withRunningWorker(try runtime(handler, store: store)) {
            try await expectEventually("\(count) dead letters", timeout: .seconds(120)) {
                try await readyCount("remit.smoke.dead") == before + count
            }
        }
        return ids
    }
}

func shortRetryTiers(_ topology: inout Topology) {
    for index in topology.definitions.queues.indices where topology.definitions.queues[index].name.contains(".retry.") {
        let tier = Int64(topology.definitions.queues[index].name.split(separator: ".").last!)!
        topology.definitions.queues[index].arguments["x-message-ttl"] = .integer(tier * 100)
    }
}

@Suite("Dead letters: collect, list, replay, edit, purge, audit — real broker and SQLite", .serialized)
struct DeadLetterTests {
    @Test func collectedDeadLettersAreListedGroupedAndReplayedOnceWithTheirOriginalIds() async throws {
        try await TestBroker.with(adjust: shortRetryTiers) { broker in
            let store = try broker.channelStore()
            let handler = SwitchableSmokeHandler()
            let ids = try await broker.produceDeadLetters(count: 10, prefix: "off", handler: handler, store: store)
            // Two that fail on every attempt: retries exhausted through the real tiers.
            let failing = try await broker.publishSmoke(count: 2, prefix: "always", failAttempts: 99)
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("the failing two are dead letters", timeout: .seconds(30)) {
                    try await broker.readyCount("remit.smoke.dead") == 12
                }
            }

            let collected = try await broker.collector().collect()
            #expect(collected == ["remit.smoke.dead": 12])
            #expect(try await broker.readyCount("remit.smoke.dead") == 0, "the dead-letter queue is empty")
            #expect(try await broker.collector().collect() == [:], "nothing new the second time")
            let letters = try await broker.storedDeadLetters()
            #expect(letters.count == 12)
            #expect(Set(letters.map(\.messageId)) == Set(ids + failing))
            let off = try #require(letters.first { $0.messageId == ids[0] })
            #expect(off.messageType == "smoke.record" && off.reason == "bad-input" && off.attempts == 1)
            #expect(off.originalExchange == "remit" && off.originalRoutingKey == "smoke.record" && off.originalQueue == "remit.smoke")
            #expect(off.error.contains("switched off"))

            // Grouped like retry groups, largest first; each filter narrows.
            let groups = try await broker.operationsStore().readOperations { try $0.deadLetters.groups(DeadLetterFilter()) }
            #expect(groups.map(\.count) == [10, 2])
            #expect(groups.map(\.reason) == ["bad-input", "retries-exhausted"])
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(reason: "retries-exhausted")).count == 2)
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(reason: "SWITCHED OFF")).count == 10, "any part of the error")
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(type: "smoke.record")).count == 12)
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(type: "cart.checkout")).isEmpty)
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(queues: ["remit.cart.dead"])).isEmpty)
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(since: Date().addingTimeInterval(60))).isEmpty)
            #expect(try await broker.storedDeadLetters(DeadLetterFilter(until: Date().addingTimeInterval(60))).count == 12)

            // A dry run plans and changes nothing.
            let replayer = try broker.replayer()
            let all = DeadLetterReplayer.Options(filter: DeadLetterFilter(), described: "all", actor: "tester")
            #expect(try await replayer.plan(all).count == 12)
            #expect(try await broker.storedDeadLetters().count == 12)
            #expect(try await broker.readyCount("remit.smoke") == 0)

            let spy = try await broker.spyOnSmokeRecords()
            handler.isOn.store(true, ordering: .relaxed)
            let summary = try await replayer.replay(all)
            #expect(summary.matched == 12 && summary.replayed == 12)
            #expect(try await broker.storedDeadLetters().isEmpty, "each confirmed replay left the store")

            let replayed = try await broker.drain(spy, expected: 12)
            #expect(Set(replayed.compactMap(\.properties.messageId)) == Set(ids + failing), "the original ids")
            for delivery in replayed {
                let headers = delivery.properties.headers
                for name in RemitHeader.failure { #expect(headers[name] == nil, "\(name) removed: attempts start again") }
                #expect(headers[RemitHeader.replay] == .int(1))
                #expect(delivery.properties.persistent)
            }

            // Applied once each by the worker; the two that fail again return with their history.
            try await withRunningWorker(try broker.runtime(handler, store: store)) {
                try await expectEventually("the ten are applied", timeout: .seconds(30)) {
                    try broker.rows("SELECT COUNT(*) FROM smoke_record") == 10
                }
            }
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("the failing two are dead letters again", timeout: .seconds(30)) {
                    try await broker.readyCount("remit.smoke.dead") == 2
                }
            }
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox WHERE consumer = 'smoke'") == 10)
            #expect(Set(try broker.strings("SELECT message_id FROM smoke_record")) == Set(ids))
            try await broker.collector().collect()
            let again = try await broker.storedDeadLetters()
            #expect(Set(again.map(\.messageId)) == Set(failing))
            #expect(again.allSatisfy { $0.replayCount == 1 && $0.reason == "retries-exhausted" && $0.attempts == 4 })

            let operations = try broker.operationsStore()
            let (audits, history) = try await operations.readOperations { transaction in
                (try transaction.audit.recent(limit: 10), try transaction.audit.history(messageId: failing[0]))
            }
            #expect(audits.count == 1)
            #expect(audits.first?.action == .replay && audits.first?.actor == "tester" && audits.first?.outcome == .completed)
            #expect(audits.first?.matched == 12 && audits.first?.done == 12)
            #expect(history.count == 1 && history.first?.1.reason == "retries-exhausted", "the first failure is in its history")
        }
    }

    /// The W3C trace context a message came with stays with it through the retry tiers, the dead
    /// letter, the operations store and the replay: the replayed attempt continues the same trace.
    @Test func aDeadLetterKeepsItsTraceContextThroughRetriesCollectionAndReplay() async throws {
        try await TestBroker.with(adjust: shortRetryTiers) { broker in
            let store = try broker.channelStore()
            let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            var prepared = try Producer(topology: broker.topology).prepare(
                type: "smoke.record",
                body: .object([
                    "key": .string("traced"), "amount": .object(["amount": .string("1.00"), "currency": .string("EUR")]),
                    "failAttempts": .integer(99),
                ]), actingUser: "system:test")
            prepared.outbound.properties.headers["traceparent"] = .string(parent)
            prepared.outbound.properties.headers["tracestate"] = .string("vendor=1")
            try await broker.withConnection { try await $0.publish([prepared.outbound]) }
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("it is a dead letter after its retries", timeout: .seconds(30)) {
                    try await broker.readyCount("remit.smoke.dead") == 1
                }
            }
            #expect(try await broker.collector().collect() == ["remit.smoke.dead": 1])
            let spy = try await broker.spyOnSmokeRecords("test.spy.traced")
            let summary = try await broker.replayer().replay(.init(filter: DeadLetterFilter(), described: "all", actor: "tester"))
            #expect(summary.replayed == 1)
            let replayed = try #require(try await broker.drain(spy, expected: 1).first)
            #expect(replayed.properties.headers["traceparent"] == .string(parent), "\(replayed.properties.headers)")
            #expect(replayed.properties.headers["tracestate"] == .string("vendor=1"))
        }
    }

    @Test func aDeadLetterDeliveredAgainAfterACrashIsStoredOnce() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            _ = try await broker.produceDeadLetters(count: 1, prefix: "twice", handler: SwitchableSmokeHandler(), store: store)
            // What the broker redelivers after a crash between the store's commit and the ack: the
            // same message, byte for byte, with the same headers.
            let original = try #require(try await broker.drain("remit.smoke.dead", expected: 1).first)
            try await broker.withConnection { connection in
                let again = OutboundMessage(
                    exchange: "", routingKey: "remit.smoke.dead", body: original.body, properties: original.properties)
                try await connection.publish([again, again])
            }
            #expect(try await broker.collector().collect() == ["remit.smoke.dead": 1])
            #expect(try await broker.storedDeadLetters().count == 1)
            #expect(try await broker.readyCount("remit.smoke.dead") == 0, "both deliveries acked")
        }
    }

    @Test func aReplayTheBrokerDoesNotConfirmDeletesNothing() async throws {
        try await TestBroker.with { broker in
            // Dead letters that claim origins the broker refuses: an exchange that does not exist,
            // and a routing key no queue is bound to (a mandatory publish is returned).
            try await broker.publishDeadLetters(
                claiming: [("remit.gone", "smoke.record"), ("remit", "nobody.listens")], prefix: "lost")
            #expect(try await broker.collector().collect() == ["remit.smoke.dead": 2])
            for id in ["lost-0", "lost-1"] {
                let options = DeadLetterReplayer.Options(filter: DeadLetterFilter(messageIds: [id]), described: "--id \(id)", actor: "t")
                await #expect(throws: DeadLetterError.self) { try await broker.replayer().replay(options) }
            }
            #expect(try await broker.storedDeadLetters().count == 2, "nothing unconfirmed left the store")
            let audits = try await broker.operationsStore().readOperations { try $0.audit.recent(limit: 10) }
            #expect(audits.count == 2 && audits.allSatisfy { $0.outcome == .failed && $0.done == 0 })
            #expect(audits.allSatisfy { $0.detail?.contains("stopped after 0 of 1") == true }, "\(audits.map(\.detail))")
        }
    }

    /// The replay records one batch while it publishes the next. When a later batch is refused, the
    /// batches before it are deleted and counted (their confirms came), the refused one stays.
    @Test func aReplayStoppedByALaterBatchKeepsExactlyTheUnconfirmed() async throws {
        try await TestBroker.with { broker in
            try await broker.publishDeadLetters(
                claiming: Array(repeating: ("remit", "smoke.record"), count: 4) + [("remit.gone", "smoke.record")], prefix: "batch")
            #expect(try await broker.collector().collect() == ["remit.smoke.dead": 5])
            var options = DeadLetterReplayer.Options(filter: DeadLetterFilter(), described: "all", actor: "t")
            options.batchSize = 2  // [0, 1], [2, 3], then the refused [4]
            let seen = ProgressLog()
            await #expect(throws: DeadLetterError.self) {
                try await broker.replayer().replay(options, progress: { done, total in seen.append(done, total) })
            }
            #expect(try await broker.storedDeadLetters().map(\.messageId) == ["batch-4"], "only the refused one is left")
            #expect(seen.entries == [[2, 5], [4, 5]], "\(seen.entries)")
            let audit = try #require(try await broker.operationsStore().readOperations { try $0.audit.recent(limit: 1) }.first)
            #expect(audit.outcome == .failed && audit.done == 4 && audit.detail?.contains("stopped after 4 of 5") == true)
            let touched = try await broker.operationsStore().readOperations { try $0.audit.touched(auditId: audit.id!).map(\.messageId) }
            #expect(touched == ["batch-0", "batch-1", "batch-2", "batch-3"])
            let replayed = try await broker.drain("remit.smoke", expected: 4)
            #expect(replayed.compactMap(\.properties.messageId).sorted() == ["batch-0", "batch-1", "batch-2", "batch-3"])
        }
    }

    @Test func anEditIsValidatedAgainstTheSchemaAndAuditedWithItsChange() async throws {
        try await TestBroker.with { broker in
            // Bad input from a producer that skipped the schema: an amount with too many decimals.
            let envelope =
                #"{"type":"smoke.record","version":1,"id":"fix-me","correlationId":"fix-me","occurredAt":"\#(Timestamp.format(Date()))","actingUser":"system:test","body":{"key":"fixed","amount":{"amount":"1.001","currency":"EUR"}}}"#
            try await broker.withConnection { connection in
                try await connection.publish(
                    OutboundMessage(
                        exchange: broker.topology.workers.exchange, routingKey: "smoke.record", body: Array(envelope.utf8),
                        properties: AMQPProperties(messageId: "fix-me", type: "smoke.record")))
            }
            let store = try broker.channelStore()
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("dead-lettered") { try await broker.readyCount("remit.smoke.dead") == 1 }
            }
            try await broker.collector().collect()
            let replayer = try broker.replayer()
            let filter = DeadLetterFilter(messageIds: ["fix-me"])
            func options(_ edits: String...) throws -> DeadLetterReplayer.Options {
                DeadLetterReplayer.Options(
                    filter: filter, described: "--id fix-me", edits: try edits.map(DeadLetterEdit.init(parsing:)), actor: "t")
            }
            // Breaking the schema, or a path that is not there: an error, nothing published.
            let breaking = try options("body.key:=5")
            await #expect(throws: DeadLetterError.self) { try await replayer.replay(breaking) }
            let missing = try options("body.nothing.here=1")
            await #expect(throws: DeadLetterError.self) { try await replayer.replay(missing) }
            #expect(throws: DeadLetterError.self) { try DeadLetterEdit(parsing: "envelope.id=x") }
            #expect(throws: DeadLetterError.self) { try DeadLetterEdit(parsing: "header.x-remit-attempt:=1") }
            #expect(try await broker.readyCount("remit.smoke") == 0)
            #expect(try await broker.storedDeadLetters().count == 1)

            let fixing = try options("body.amount.amount=1.00")
            let plan = try await replayer.plan(fixing)
            let change = try #require(plan.first?.changes.first)
            #expect(change.path == "body.amount.amount" && change.before == .string("1.001") && change.after == .string("1.00"))
            #expect(try await replayer.replay(fixing).replayed == 1)
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("the fixed message is applied") { try broker.rows("SELECT COUNT(*) FROM smoke_record") == 1 }
            }
            #expect(try broker.rows("SELECT amount_minor FROM smoke_record WHERE message_id = 'fix-me'") == 100)
            let audits = try await broker.operationsStore().readOperations { try $0.audit.recent(limit: 10) }
            #expect(audits.map(\.action) == [.edit], "the failed attempts published nothing and left no audit")
            let history = try await broker.operationsStore().readOperations { try $0.audit.history(messageId: "fix-me") }
            #expect(history.first?.1.change?.contains(#""before":"1.001""#) == true, "\(history.first?.1.change ?? "-")")
            // The audit shows each edit's before and after, as `dead-letters show` does.
            let (_, audit) = try await RemitProcess.run(["dead-letters", "audit", "--no-collect"], broker: broker)
            #expect(
                audit.contains("fix-me changed") && audit.contains(#""before":"1.001""#) && audit.contains(#""after":"1.00""#), "\(audit)")
            let (_, json) = try await RemitProcess.run(["dead-letters", "audit", "--json", "--no-collect"], broker: broker)
            let entry = try #require(try JSONValue.parse(Data(json.utf8)).arrayValue?.first, "\(json)")
            let edited = try #require(entry["changes"]?["fix-me"]?.arrayValue?.first, "\(json)")
            #expect(
                edited["before"] == .string("1.001") && edited["after"] == .string("1.00")
                    && edited["path"] == .string("body.amount.amount"))
        }
    }

    @Test func theCommandLineReportsEveryMistakeInOneLineAndPurgesOnlyWhenConfirmed() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            let ids = try await broker.produceDeadLetters(count: 3, prefix: "cli", handler: SwitchableSmokeHandler(), store: store)
            let (status, output) = try await RemitProcess.run(["dead-letters", "list"], broker: broker)
            #expect(status == 0, "\(output)")
            #expect(output.contains("collected 3 dead letter(s) from remit.smoke.dead"), "\(output)")
            #expect(output.contains("3 × bad-input"), "\(output)")
            #expect(ids.allSatisfy { output.contains($0) }, "\(output)")
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)

            let (showStatus, shown) = try await RemitProcess.run(["dead-letters", "show", ids[0], "--no-collect"], broker: broker)
            #expect(showStatus == 0 && shown.contains("x-remit-reason: bad-input") && shown.contains("\"key\" : \"cli-0\""), "\(shown)")

            // The producer asking what became of a message no worker could read: its dead letter says.
            let (outcomeStatus, outcome) = try await RemitProcess.run(["shop", "outcome", ids[0]], broker: broker)
            #expect(outcomeStatus == 1 && outcome.contains("dead-lettered (bad-input) from remit.smoke: "), "\(outcome)")
            let (pendingStatus, pending) = try await RemitProcess.run(["shop", "outcome", "no-such-id"], broker: broker)
            #expect(pendingStatus == 3 && pending.contains("pending: no outcome yet for no-such-id"), "\(pending)")
            #expect(pending.contains("remit dead-letters list --id ID"), "\(pending)")

            let mistakes: [([String], String)] = [
                (["list", "--queue", "remit.nope"], "unknown queue 'remit.nope'"),
                (["list", "--since", "yesterday"], "bad --since 'yesterday'"),
                (["replay", "--all", "--rate", "0"], "bad --rate '0'"),
                (["replay", "--all", "--edit", "body"], "bad --edit 'body'"),
                (["replay", "--all", "--edit", "body..x=1"], "bad --edit path"),
                (["replay"], "add --all"),
                (["show", "no-such-id"], "no dead letter with message id 'no-such-id'"),
            ]
            for (arguments, message) in mistakes {
                let (status, output) = try await RemitProcess.run(["dead-letters"] + arguments, broker: broker)
                let lines = output.split(separator: "\n").filter { !$0.isEmpty }
                #expect(status == 1, "\(arguments): \(output)")
                #expect(lines.count == 1 && lines[0].hasPrefix("remit: ") && lines[0].contains(message), "\(arguments): \(output)")
                #expect(!output.contains("guest:guest"), "no password in \(output)")
            }

            let (declined, declinedOutput) = try await RemitProcess.run(
                ["dead-letters", "purge", "--queue", "smoke"], broker: broker, input: "2\n")
            #expect(declined == 1 && declinedOutput.contains("not confirmed; nothing was purged"), "\(declinedOutput)")
            #expect(try await broker.storedDeadLetters().count == 3)

            let exportFile = broker.dataDirectory + "/export.jsonl"
            let (exported, exportOutput) = try await RemitProcess.run(
                ["dead-letters", "export", "--queue", "smoke", "--output", exportFile, "--actor", "ops"], broker: broker)
            #expect(exported == 0, "\(exportOutput)")
            let lines = try String(contentsOfFile: exportFile, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3)
            #expect(
                try lines.map { try JSONValue.parse(Data($0.utf8))["messageId"]?.stringValue }.compactMap { $0 }.sorted() == ids.sorted())

            let (purged, purgeOutput) = try await RemitProcess.run(
                ["dead-letters", "purge", "--queue", "smoke", "--actor", "ops"], broker: broker, input: "3\n")
            #expect(purged == 0 && purgeOutput.contains("purged 3 dead letter(s)"), "\(purgeOutput)")
            #expect(try await broker.storedDeadLetters().isEmpty)

            let (_, audit) = try await RemitProcess.run(["dead-letters", "audit", "--json"], broker: broker)
            let entries = try #require(try JSONValue.parse(Data(audit.utf8)).arrayValue)
            #expect(entries.compactMap { $0["action"]?.stringValue } == ["purge", "export"], "\(audit)")
            #expect(entries.allSatisfy { $0["actor"]?.stringValue == "ops" && $0["messageIds"]?.arrayValue?.count == 3 })
        }
    }

    @Test func aFilteredReplayAtARateLeavesTheRestUntouched() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            let handler = SwitchableSmokeHandler()
            let ids = try await broker.produceDeadLetters(count: 40, prefix: "paced", handler: handler, store: store)
            try await broker.collector().collect()
            let chosen = Array(ids.prefix(30))
            let started = ContinuousClock.now
            let summary = try await broker.replayer().replay(
                DeadLetterReplayer.Options(filter: DeadLetterFilter(messageIds: chosen), described: "--id …", rate: 20, actor: "t"))
            let took = ContinuousClock.now - started
            #expect(summary.replayed == 30)
            // 20/s in batches of 4: the first batch goes at once, the other 26 messages take 1.3 s.
            #expect(took >= .milliseconds(1_250) && took < .seconds(10), "30 at 20/s took \(took)")
            #expect(Set(try await broker.storedDeadLetters().map(\.messageId)) == Set(ids.suffix(10)), "the rest untouched")
            #expect(try await broker.readyCount("remit.smoke") == 30)
        }
    }

    @Test func aReplayerKilledMidRunLosesNothingAndTheRestReplaysLater() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            let handler = SwitchableSmokeHandler()
            let total = 1_500
            let ids = try await broker.produceDeadLetters(count: total, prefix: "kill", handler: handler, store: store)
            try await broker.collector().collect()
            #expect(try await broker.storedDeadLetters().count == total)

            // A child replayer at 300/s, killed part-way through.
            let replayer = try RemitProcess(["dead-letters", "replay", "--all", "--rate", "300/s"], broker: broker)
            try await expectEventually("the replayer has re-published some") { try await broker.readyCount("remit.smoke") >= 200 }
            replayer.signal(SIGKILL)
            _ = await replayer.waitForExit()
            let kept = Set(try await broker.storedDeadLetters().map(\.messageId))
            let republished = try await broker.readyCount("remit.smoke")
            #expect(!kept.isEmpty && kept.count < total, "killed mid-run: \(kept.count) of \(total) still kept")
            // Every dead letter is re-published, or still kept, or (confirmed but not yet deleted at
            // the kill) both: none is neither.
            #expect(kept.count + republished >= total, "kept \(kept.count) + re-published \(republished) cover all \(total)")

            handler.isOn.store(true, ordering: .relaxed)
            try await withRunningWorker(try broker.runtime(handler, store: store)) {
                try await expectEventually("nothing lost: each is applied or still kept", timeout: .seconds(60)) {
                    Set(try broker.strings("SELECT message_id FROM inbox")).union(kept) == Set(ids)
                }

                // The rest replayed later: each applied once, the one re-published twice included.
                let (status, output) = try await RemitProcess.run(["dead-letters", "replay", "--all"], broker: broker)
                #expect(status == 0, "\(output)")
                try await expectEventually("every message applied", timeout: .seconds(60)) {
                    let waiting = try await broker.readyCount("remit.smoke")
                    return try broker.rows("SELECT COUNT(*) FROM smoke_record") == total && waiting == 0
                }
            }
            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == total, "applied once each")
            #expect(try await broker.storedDeadLetters().isEmpty)
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
            let audits = try await broker.operationsStore().readOperations { try $0.audit.recent(limit: 10) }
            #expect(audits.count == 2, "both runs audited, the killed one as begun: \(audits.map(\.outcome))")
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func fiveThousandDeadLettersAreCollectedAndReplayedInBoundedTime() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            let handler = SwitchableSmokeHandler()
            let total = 5_000
            _ = try await broker.produceDeadLetters(count: total, prefix: "bulk", handler: handler, store: store)
            let collectStart = ContinuousClock.now
            #expect(try await broker.collector().collect() == ["remit.smoke.dead": total])
            let collectTime = ContinuousClock.now - collectStart
            handler.isOn.store(true, ordering: .relaxed)
            let replayStart = ContinuousClock.now
            let summary = try await broker.replayer().replay(
                DeadLetterReplayer.Options(filter: DeadLetterFilter(), described: "all", actor: "bench"))
            let replayTime = ContinuousClock.now - replayStart
            #expect(summary.replayed == total)
            #expect(collectTime < .seconds(60) && replayTime < .seconds(60), "collect \(collectTime), replay \(replayTime)")
            print("5,000 dead letters: collected in \(collectTime), replayed in \(replayTime)")
            try await withRunningWorker(try broker.runtime(handler, store: store)) {
                try await expectEventually("all applied", timeout: .seconds(120)) {
                    try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
                }
            }
            #expect(try await broker.storedDeadLetters().isEmpty)
        }
    }
}

/// What a replay's progress callback was told, in order.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [[Int]] = []
    func append(_ done: Int, _ total: Int) { lock.withLock { seen.append([done, total]) } }
    var entries: [[Int]] { lock.withLock { seen } }
}
