import Foundation
import RemitAMQP
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import Testing

/// `remit status` against the real broker: its numbers are the broker's own.
@Suite("remit status", .serialized)
struct StatusCommandTests {
    @Test func readyAndConsumersAreExactAtOnceNotAsTheManagementAPILastSampledThem() async throws {
        try await TestBroker.with { broker in
            try await broker.publishSmoke(count: 1_016)
            try await broker.withConnection { connection in
                let consumer = try await connection.consume(queue: "remit.cart", prefetch: 1)
                // At once: the management API samples every 5 s, so its figures would still say 0.
                let status = try await PipelineStatus.read(
                    topology: broker.topology, management: broker.management, amqp: broker.amqp, jobs: .failure(.init("none")),
                    now: Date(), logger: testLogger)
                let smoke = try #require(status.workQueues.first { $0.kind == "smoke" })
                let cart = try #require(status.workQueues.first { $0.kind == "cart-validation" })
                #expect(smoke.ready == 1_016 && smoke.consumers == 0, "\(smoke)")
                #expect(cart.ready == 0 && cart.consumers == 1, "\(cart)")
                let (exit, output) = try await RemitProcess.run(["status", "--json"], broker: broker)
                #expect(exit == 0 && output.contains(#""ready" : 1016"#), "\(output)")
                try await consumer.cancel()
            }
        }
    }

    @Test func theNumbersMatchRabbitmqctlListQueuesAndDeadLettersAreCounted() async throws {
        try await TestBroker.with { broker in
            try await broker.publishSmoke(count: 37)
            // Two dead letters, as a worker leaves them.
            try await broker.withConnection { connection in
                for index in 0..<2 {
                    try await connection.publish(
                        OutboundMessage(
                            exchange: broker.topology.workers.deadLetterExchange, routingKey: "remit.smoke",
                            body: Array("{\"dead\": \(index)}".utf8), properties: .init(messageId: "dead-\(index)")))
                }
            }
            // The broker's statistics (what the management API and rabbitmqctl show) follow a moment later.
            try await expectEventually("the broker counts 37 ready and 2 dead letters", timeout: .seconds(30)) {
                let smoke = try await broker.management.queue(vhost: broker.amqp.vhost, name: "remit.smoke")
                let dead = try await broker.management.queue(vhost: broker.amqp.vhost, name: "remit.smoke.dead")
                return smoke?["messages_ready"]?.intValue == 37 && dead?["messages"]?.intValue == 2
            }
            let (status, output) = try await RemitProcess.run(["status", "--json"], broker: broker)
            #expect(status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
            let queues = try #require(json["workQueues"] as? [[String: Any]])
            let dead = try #require(json["deadLetterQueues"] as? [[String: Any]])
            #expect(queues.count == broker.topology.workers.kinds.count)
            #expect(json["jobs"] == nil || json["jobs"] is NSNull, "no HQ store in this data directory")

            let listed = try rabbitmqctl(
                "list_queues", "-q", "--no-table-headers", "-p", broker.amqp.vhost, "name", "messages_ready", "messages_unacknowledged",
                "consumers", "messages")
            var broker_: [String: [Int]] = [:]
            for line in listed.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard fields.count == 5 else { continue }
                broker_[fields[0]] = fields[1...].compactMap { Int($0) }
            }
            for queue in queues {
                let name = try #require(queue["queue"] as? String)
                let expected = try #require(broker_[name], "\(name) in rabbitmqctl's list")
                #expect(
                    [queue["ready"] as? Int, queue["unacked"] as? Int, queue["consumers"] as? Int] == expected.prefix(3).map { $0 },
                    "\(name): remit status \(queue) vs rabbitmqctl \(expected)")
            }
            let smoke = try #require(queues.first { $0["kind"] as? String == "smoke" })
            #expect(smoke["ready"] as? Int == 37, "\(listed)\n\(output)")
            #expect(smoke["suggestedConsumers"] as? Int == 1, "a backlog with nobody consuming: at least one")
            for queue in dead {
                let name = try #require(queue["queue"] as? String)
                #expect(queue["depth"] as? Int == broker_[name]?[3], "\(name)")
            }
            #expect(dead.first { $0["kind"] as? String == "smoke" }?["depth"] as? Int == 2)

            // Collected into the dead-letter store, they are counted there, with the oldest one's age.
            let (collected, collectOutput) = try await RemitProcess.run(["dead-letters", "collect"], broker: broker)
            #expect(collected == 0, "\(collectOutput)")
            var smokeDead: [String: Any] = [:]
            // The broker's numbers follow its queue a few seconds later, as above.
            try await expectEventually("status shows them kept, none queued", timeout: .seconds(30)) {
                let (_, afterCollect) = try await RemitProcess.run(["status", "--json"], broker: broker)
                let after = try JSONSerialization.jsonObject(with: Data(afterCollect.utf8)) as? [String: Any]
                smokeDead = (after?["deadLetterQueues"] as? [[String: Any]])?.first { $0["kind"] as? String == "smoke" } ?? [:]
                return smokeDead["depth"] as? Int == 0 && smokeDead["kept"] as? Int == 2
            }
            #expect((smokeDead["oldestAgeSeconds"] as? Double).map { $0 >= 0 && $0 < 600 } == true, "\(smokeDead)")

            let (_, table) = try await RemitProcess.run(["status", "--watch", "1", "--times", "2"], broker: broker)
            #expect(table.components(separatedBy: "Remit on vhost \(broker.amqp.vhost)").count == 3, "two readings: \(table)")
            #expect(table.contains("remit.smoke.dead") && table.contains("jobs: no HQ store in this data directory"), "\(table)")
            #expect(table.contains(" ago"), "the oldest kept dead letter's age: \(table)")
            let (badStatus, bad) = try await RemitProcess.run(["status", "--watch", "0"], broker: broker)
            #expect(badStatus == 64 && bad.contains("--watch must be within 1…3600 seconds"), "\(bad)")
        }
    }
}
