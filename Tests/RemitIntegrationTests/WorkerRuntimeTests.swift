import Foundation
import GRDB
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import Testing

/// Runs `runtime` in the background for the duration of `body`, then drains it.
func withRunningWorker<T: Sendable>(_ runtime: WorkerRuntime, _ body: () async throws -> T) async throws -> T {
    let task = Task { try await runtime.run() }
    do {
        let result = try await body()
        await runtime.drain()
        try await task.value
        return result
    } catch {
        await runtime.drain()
        try await task.value
        throw error
    }
}

@Suite("Worker runtime against a real broker and SQLite", .serialized)
struct WorkerRuntimeTests {
    @Test func publishConsumeStoreAckRoundTrip() async throws {
        try await TestBroker.with { broker in
            let ids = try await broker.publishSmoke(count: 40)
            let store = try broker.channelStore()
            try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await expectEventually("all 40 are stored") { try broker.rows("SELECT COUNT(*) FROM smoke_record") == 40 }
            }
            #expect(try broker.rows("SELECT SUM(amount_minor) FROM smoke_record") == (0..<40).reduce(0) { $0 + $1 * 100 + 25 })
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox WHERE consumer = 'smoke'") == 40)
            #expect(try await broker.readyCount("remit.smoke") == 0)
            let followUps = try await broker.drain("remit.smoke.audit", expected: 40)
            #expect(followUps.count == 40)
            let recorded = try followUps.map { try MessageCoding.decoder().decode(Envelope<SmokeRecorded>.self, from: Data($0.body)) }
            #expect(Set(recorded.compactMap(\.causationId)) == Set(ids), "each follow-up is caused by one published message")
            #expect(recorded.allSatisfy { $0.correlationId == $0.causationId }, "a producer's message starts its correlation")
            #expect(Set(recorded.map(\.body.key)).count == 40)
        }
    }

    @Test func badInputIsDeadLetteredAtOnceWithItsReasonAndTheStoreIsUnchanged() async throws {
        try await TestBroker.with { broker in
            let exchange = broker.topology.workers.exchange
            let now = Timestamp.format(Date())
            let envelope = { (version: Int, body: String) in
                #"{"type":"smoke.record","version":\#(version),"id":"bad-v\#(version)-\#(body.count)","correlationId":"c","occurredAt":"\#(now)","actingUser":"system:test","body":\#(body)}"#
            }
            let bad: [(String, String)] = [
                ("not json at all", "not a Remit envelope"),
                (envelope(9, #"{"key":"a","amount":{"amount":"1.00","currency":"EUR"}}"#), "schema version 9 is not supported"),
                (envelope(1, #"{"key":"a","amount":{"amount":"1.001","currency":"EUR"}}"#), "more decimals than EUR allows"),
                (envelope(1, #"{"key":"a"}"#), "missing required property 'amount'"),
                (
                    #"{"type":"other.thing","version":1,"id":"x","correlationId":"c","occurredAt":"\#(now)","actingUser":"system:t","body":{}}"#,
                    "does not handle message type 'other.thing'"
                ),
            ]
            try await broker.withConnection { connection in
                try await connection.publish(
                    bad.map {
                        OutboundMessage(
                            exchange: exchange, routingKey: "smoke.record",
                            body: Array($0.0.utf8), properties: AMQPProperties(messageId: "m"))
                    })
            }
            let store = try broker.channelStore()
            let deadLetters = try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await broker.drain("remit.smoke.dead", expected: bad.count)
            }
            #expect(deadLetters.count == bad.count)
            for (delivery, (body, reason)) in zip(deadLetters, bad) {
                let headers = delivery.properties.headers
                #expect(String(decoding: delivery.body, as: UTF8.self) == body, "the message is kept as it was")
                #expect(headers[RemitHeader.reason] == .string("bad-input"))
                #expect(headers[RemitHeader.error]?.stringValue?.contains(reason) == true, "\(headers[RemitHeader.error] ?? .void)")
                #expect(headers[RemitHeader.attempt] == .int(1), "bad input is never retried")
                #expect(headers[RemitHeader.worker] == .string("smoke"))
                #expect(headers[RemitHeader.originalExchange] == .string(exchange))
                #expect(headers[RemitHeader.originalRoutingKey] == .string("smoke.record"))
                #expect(headers[RemitHeader.failedAt]?.stringValue.flatMap(Timestamp.parse) != nil)
            }
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record") == 0)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == 0)
            #expect(try await broker.readyCount("remit.smoke") == 0)
        }
    }

    @Test func transientFailuresRetryThroughTheTiersThenDeadLetterWithAttemptsAndError() async throws {
        // Same topology, shorter delays so the test does not wait the real tiers out.
        try await TestBroker.with(adjust: { topology in
            for index in topology.definitions.queues.indices where topology.definitions.queues[index].name.contains(".retry.") {
                let tier = Int64(topology.definitions.queues[index].name.split(separator: ".").last!)!
                topology.definitions.queues[index].arguments["x-message-ttl"] = .integer(tier * 150)
            }
        }) { broker in
            try await broker.publishSmoke(count: 1, prefix: "always", failAttempts: 99)
            try await broker.publishSmoke(count: 1, prefix: "twice", failAttempts: 2)
            let store = try broker.channelStore()
            let deadLetters = try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                let deadLetters = try await broker.drain("remit.smoke.dead", expected: 1)
                try await expectEventually("the twice-failing message is stored", timeout: .seconds(20)) {
                    try broker.rows("SELECT COUNT(*) FROM smoke_record") == 1
                }
                return deadLetters
            }
            let tiers = try broker.kind.retryQueues.count
            #expect(deadLetters.count == 1)
            let headers = try #require(deadLetters.first).properties.headers
            #expect(headers[RemitHeader.reason] == .string("retries-exhausted"))
            #expect(headers[RemitHeader.attempt] == .int(Int64(tiers + 1)))
            #expect(headers[RemitHeader.error] == .string("smoke record asked to fail on attempt \(tiers + 1)"))
            #expect(headers[RemitHeader.originalRoutingKey] == .string("smoke.record"))
            // The message that failed twice succeeded on its third attempt, once.
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record WHERE key = 'twice-0'") == 1)
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record WHERE key = 'always-0'") == 0)
            for queue in try broker.kind.retryQueues { #expect(try await broker.readyCount(queue) == 0) }
        }
    }

    @Test func aRedeliveredMessageRepublishesTheSameFollowUpsAndChangesNothing() async throws {
        try await TestBroker.with { broker in
            let producer = Producer(topology: broker.topology)
            let body = try JSONValue.parse(Data(#"{"key":"once","amount":{"amount":"5.00","currency":"EUR"}}"#.utf8))
            let message = try producer.prepare(type: "smoke.record", body: body, actingUser: "system:test", messageId: "dup-1")
            try await broker.withConnection { try await $0.publish([message.outbound, message.outbound, message.outbound]) }
            let store = try broker.channelStore()
            let followUps = try await withRunningWorker(try broker.smokeRuntime(store: store)) {
                try await broker.drain("remit.smoke.audit", expected: 3)
            }
            #expect(followUps.count == 3)
            #expect(Set(followUps.compactMap(\.properties.messageId)).count == 1, "same deterministic follow-up id each time")
            #expect(Set(followUps.map(\.body)).count == 1, "byte-identical follow-ups")
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record") == 1)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == 1)
        }
    }

    @Test func theWorkerReconnectsAfterTheBrokerDropsItsConnectionAndLosesNothing() async throws {
        try await TestBroker.with { broker in
            let total = 3000
            try await broker.publishSmoke(count: total)
            let store = try broker.channelStore()
            let runtime = try broker.smokeRuntime(consumers: 2, prefetch: 20, store: store)
            try await withRunningWorker(runtime) {
                try await expectEventually("the worker is consuming") { try broker.rows("SELECT COUNT(*) FROM smoke_record") > 200 }
                let before = try broker.rows("SELECT COUNT(*) FROM smoke_record")
                try rabbitmqctl("close_all_connections", "--vhost", broker.amqp.vhost, "remit test: drop the worker")
                #expect(before < total, "the drop happened while the worker was consuming")
                try await expectEventually("every message is stored", timeout: .seconds(120)) {
                    try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
                }
            }
            #expect(runtime.reconnections >= 2, "both consumers connected again (\(runtime.reconnections) reconnections)")
            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == total)
            #expect(try await broker.readyCount("remit.smoke") == 0)
            let followUps = try await broker.drainAll("remit.smoke.audit", atLeast: total)
            #expect(Set(followUps.compactMap(\.properties.messageId)).count == total, "every follow-up published")
        }
    }
}
