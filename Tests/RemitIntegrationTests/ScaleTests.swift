import Foundation
import RemitAMQP
@testable import RemitClient
import RemitCore
import RemitMessages
import Synchronization
import Testing
@testable import RemitRuntime

@Suite("remit scale: consumer counts changed live through the broker", .serialized)
struct ScaleTests {
    /// The consumers the broker sees on `queue` right now (a passive declare: no statistics lag).
    func consumers(_ broker: TestBroker, _ queue: String = "remit.smoke") async throws -> Int {
        try await broker.withConnection { try await $0.inspectQueue(queue).consumerCount }
    }

    /// `remit status --json`'s consumer count for the smoke queue (the management API's, a few
    /// seconds behind); nil unless it also counts the one worker process `remit scale` reaches.
    func statusConsumers(_ broker: TestBroker) async throws -> Int? {
        let (status, output) = try await RemitProcess.run(["status", "--json"], broker: broker)
        guard status == 0, let data = output.data(using: .utf8),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let queues = json["workQueues"] as? [[String: Any]],
            json["workerProcesses"] as? Int == 1
        else { return nil }
        return queues.first { $0["queue"] as? String == "remit.smoke" }?["consumers"] as? Int
    }

    @Test func scalingUpAndDownWhileMessagesFlowLosesNothingAndAppliesNothingTwice() async throws {
        try await TestBroker.with { broker in
            let worker = try RemitProcess(["worker", "smoke", "--prefetch", "20", "--batch-size", "10"], broker: broker)
            defer { worker.signal(SIGKILL) }
            try await expectEventually("the worker consumes with its one consumer") { try await consumers(broker) == 1 }

            // Messages keep arriving, paced, across both scale requests, until the test has seen
            // the second count (at most 60 s).
            let perChunk = 100
            let keepPublishing = Atomic<Bool>(true)
            let publishing = Task {
                var ids: [String] = []
                var chunk = 0
                while keepPublishing.load(ordering: .relaxed), chunk < 300 {
                    ids += try await broker.publishSmoke(count: perChunk, prefix: "c\(chunk)")
                    chunk += 1
                    try await Task.sleep(for: .milliseconds(200))
                }
                // A few more after the last scale: the two consumers left take them.
                for extra in 0..<5 { ids += try await broker.publishSmoke(count: perChunk, prefix: "e\(extra)") }
                return ids
            }

            try await expectEventually("messages flow") { (try? broker.rows("SELECT COUNT(*) FROM smoke_record")) ?? 0 >= 300 }
            let (upStatus, upOutput) = try await RemitProcess.run(["scale", "smoke=4"], broker: broker)
            #expect(upStatus == 0, "\(upOutput)")
            #expect(upOutput.contains("smoke 1 → 4"), "\(upOutput)")
            try await expectEventually("the broker sees 4 consumers") { try await consumers(broker) == 4 }
            try await expectEventually("remit status shows 4 consumers", timeout: .seconds(30)) {
                try await statusConsumers(broker) == 4
            }

            let (downStatus, downOutput) = try await RemitProcess.run(["scale", "smoke=2"], broker: broker)
            #expect(downStatus == 0, "\(downOutput)")
            #expect(downOutput.contains("smoke 4 → 2"), "\(downOutput)")
            try await expectEventually("the broker sees 2 consumers") { try await consumers(broker) == 2 }
            try await expectEventually("remit status shows 2 consumers", timeout: .seconds(30)) {
                try await statusConsumers(broker) == 2
            }
            keepPublishing.store(false, ordering: .relaxed)
            let atScaleDown = try broker.rows("SELECT COUNT(*) FROM smoke_record")
            let ids = try await publishing.value
            let total = ids.count
            #expect(atScaleDown < total, "messages still came after the scale-down (\(atScaleDown) of \(total) applied then)")
            try await expectEventually("every message is stored", timeout: .seconds(120)) {
                try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
            }
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0, "\(worker.output.suffix(2000))")

            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(Set(try broker.strings("SELECT message_id FROM inbox")) == Set(ids))
            #expect(try await broker.readyCount("remit.smoke") == 0)
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
            // Nothing came back from a consumer scaled away: every message was received once and
            // settled once (a redelivery would make `received` exceed the total).
            let stopped = try #require(worker.output.split(separator: "\n").last { $0.contains("worker stopped") })
            let received = try #require(stopped.firstMatch(of: /received=(\d+)/).flatMap { Int($0.1) })
            let settled = try #require(stopped.firstMatch(of: /settled=(\d+)/).flatMap { Int($0.1) })
            #expect(received == total && settled == total, "received \(received), settled \(settled) of \(total)")
            let followUps = try await broker.drainAll("remit.smoke.audit", atLeast: total)
            let causes = try followUps.map { try MessageCoding.decoder().decode(EnvelopeHeader.self, from: Data($0.body)) }
            #expect(Set(causes.compactMap(\.causationId)) == Set(ids))
            #expect(worker.output.contains("from=1") && worker.output.contains("worker scaled"))
        }
    }

    @Test func aHostileRequestChangesNothingAndIsAnsweredWithItsReason() async throws {
        try await TestBroker.with { broker in
            let worker = try RemitProcess(["worker", "smoke", "--consumers", "2"], broker: broker)
            defer { worker.signal(SIGKILL) }
            try await expectEventually("the worker consumes with 2 consumers") { try await consumers(broker) == 2 }
            try await expectEventually("its control queue is bound") {
                try await broker.management.queues(vhost: broker.amqp.vhost).contains {
                    $0["name"]?.stringValue?.hasPrefix(ScaleControl.queuePrefix) == true && $0["consumers"]?.intValue == 1
                }
            }
            let bodies = [
                "not json", #"{"counts":{"smoke":0}}"#, #"{"counts":{"smoke":-3}}"#, #"{"all":100000}"#, #"{"counts":{}}"#,
                #"{"counts":{"smoke":"4"}}"#, String(repeating: "[", count: 100_000),
            ]
            let replies: [ScaleControl.Reply] = try await broker.withConnection { connection in
                let replyQueue = "test.replies.\(UUID().uuidString)"
                try await connection.declare(QueueDeclaration(name: replyQueue, durable: false, exclusive: true, autoDelete: true))
                for body in bodies {
                    try await connection.publish(
                        OutboundMessage(
                            exchange: ScaleControl.exchange, routingKey: "", body: Array(body.utf8),
                            properties: .init(replyTo: replyQueue, type: ScaleControl.requestType)))
                }
                // A request without reply_to is applied-or-refused all the same, just not answered.
                try await connection.publish(
                    OutboundMessage(exchange: ScaleControl.exchange, routingKey: "", body: Array("{}".utf8)))
                let consumer = try await connection.consume(queue: replyQueue, prefetch: 50)
                var replies: [ScaleControl.Reply] = []
                let deadline = ContinuousClock.now + .seconds(20)
                while replies.count < bodies.count, ContinuousClock.now < deadline {
                    for delivery in try await consumer.deliveries.nextBatch(until: deadline) {
                        try await connection.ack(delivery.deliveryTag)
                        replies.append(try JSONDecoder().decode(ScaleControl.Reply.self, from: Data(delivery.body)))
                    }
                }
                return replies
            }
            #expect(replies.count == bodies.count)
            for reply in replies {
                #expect(reply.error != nil, "refused with a reason: \(reply)")
                #expect(reply.kinds == [.init(kind: "smoke", from: 2, to: 2)])
            }
            #expect(replies.contains { $0.error?.contains("outside 1…64") == true })
            #expect(try await consumers(broker) == 2, "nothing changed")
            // The worker still answers a good request afterwards.
            let (status, output) = try await RemitProcess.run(["scale", "smoke=3"], broker: broker)
            #expect(status == 0 && output.contains("smoke 2 → 3"), "\(output)")
            try await expectEventually("the broker sees 3 consumers") { try await consumers(broker) == 3 }
        }
    }

    @Test func scaleReachesEveryHostAndStatusCountsEachHostsProcessesAndConsumers() async throws {
        try await TestBroker.with { broker in
            // Two processes standing for two hosts: each its own name and data directory, as on two machines.
            let first = try RemitProcess(["worker", "smoke", "--host-name", "host-a"], broker: broker)
            defer { first.signal(SIGKILL) }
            let second = try RemitProcess(
                ["worker", "smoke", "--consumers", "2", "--host-name", "host-b", "--data-dir", broker.dataDirectory + "/host-b"],
                broker: broker)
            defer { second.signal(SIGKILL) }
            try await expectEventually("both consume") { try await consumers(broker) == 3 }
            #expect(try await consumers(broker) == 3, "\(first.output.suffix(1500))\n\(second.output.suffix(1500))")
            try await expectEventually("both control queues are bound") {
                try await broker.management.queues(vhost: broker.amqp.vhost).filter {
                    $0["name"]?.stringValue?.hasPrefix(ScaleControl.queuePrefix) == true && $0["consumers"]?.intValue == 1
                }.count == 2
            }
            let (status, output) = try await RemitProcess.run(["scale", "smoke=3"], broker: broker)
            #expect(status == 0, "\(output)")
            #expect(output.contains("host-a \(first.process.processIdentifier): smoke 1 → 3"), "\(output)")
            #expect(output.contains("host-b \(second.process.processIdentifier): smoke 2 → 3"), "\(output)")
            try await expectEventually("the broker sees 6 consumers") { try await consumers(broker) == 6 }

            var hosts: [[String: Any]] = []
            try await expectEventually("remit status counts each host", timeout: .seconds(30)) {
                let (status, output) = try await RemitProcess.run(["status", "--json"], broker: broker)
                guard status == 0, let json = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
                    return false
                }
                hosts = json["hosts"] as? [[String: Any]] ?? []
                return hosts.count == 2
                    && hosts.allSatisfy { ($0["consumers"] as? [String: Int])?["smoke"] == 3 && $0["processes"] as? Int == 1 }
            }
            #expect(hosts.map { $0["name"] as? String } == ["host-a", "host-b"], "\(hosts)")
            let (_, table) = try await RemitProcess.run(["status"], broker: broker)
            #expect(table.contains(/host-a +1 process +smoke 3/), "\(table)")
            #expect(table.contains(/host-b +1 process +smoke 3/), "\(table)")

            let (refused, refusedOutput) = try await RemitProcess.run(["worker", "smoke", "--host-name", "no/slash"], broker: broker)
            #expect(refused != 0 && refusedOutput.contains("host-name must be letters, digits"), "\(refusedOutput)")
        }
    }

    @Test func theCommandSaysClearlyWhenNothingCanBeScaled() async throws {
        try await TestBroker.with { broker in
            let (none, noneOutput) = try await RemitProcess.run(["scale", "smoke=2"], broker: broker)
            #expect(none == 1)
            #expect(noneOutput.contains("no running worker process listens on 'remit.control'"), "\(noneOutput)")

            for (arguments, message) in [
                (["scale", "smoke=0"], "0 for smoke is outside 1…64"),
                (["scale", "smoke=65"], "65 for smoke is outside 1…64"),
                (["scale", "smoke=-1"], "-1 for smoke is outside 1…64"),
                (["scale", "smoke=lots"], "'lots' for smoke is not a whole number"),
                (["scale", "nope=2"], "'nope' is not a kind"),
                (["scale", "smoke=2", "smoke=3"], "smoke is named twice"),
                (["scale"], "Missing expected argument"),
                (["scale", "smoke=2", "--wait", "0"], "--wait must be within 1…60"),
            ] {
                let (status, output) = try await RemitProcess.run(arguments, broker: broker)
                #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            }

            let worker = try RemitProcess(["worker", "smoke"], broker: broker)
            defer { worker.signal(SIGKILL) }
            try await expectEventually("the worker consumes") { try await consumers(broker) == 1 }
            try await expectEventually("its control queue is bound") {
                try await broker.management.queues(vhost: broker.amqp.vhost).contains {
                    $0["name"]?.stringValue?.hasPrefix(ScaleControl.queuePrefix) == true && $0["consumers"]?.intValue == 1
                }
            }
            let (missing, missingOutput) = try await RemitProcess.run(["scale", "email-dispatch=2"], broker: broker)
            #expect(missing == 1)
            #expect(missingOutput.contains("smoke 1"), "the process answered with what it runs: \(missingOutput)")
            #expect(missingOutput.contains("no running process runs email-dispatch"), "\(missingOutput)")
            #expect(try await consumers(broker) == 1)
        }
    }

    @Test func aRuntimeRefusesCountsOutOfRangeAndIgnoresScalingWhileItDrains() async throws {
        try await TestBroker.with { broker in
            let store = try broker.channelStore()
            let runtime = try broker.smokeRuntime(consumers: 1, store: store)
            let running = Task { try await runtime.run() }
            try await expectEventually("one consumer") { try await consumers(broker) == 1 }
            for bad in [0, -1, 65, Int.max] {
                await #expect(throws: WorkerRuntime.InvalidConsumerCount.self) { try await runtime.scale(to: bad) }
            }
            #expect(runtime.consumerCount == 1)
            #expect(try await runtime.scale(to: 3) == 1)
            try await expectEventually("three consumers") { try await consumers(broker) == 3 }
            await runtime.drain()
            #expect(try await runtime.scale(to: 5) == 3, "a drain is not undone by a scale request")
            try await running.value
            #expect(try await consumers(broker) == 0)
            #expect(runtime.consumerCount == 3)
        }
    }
}
