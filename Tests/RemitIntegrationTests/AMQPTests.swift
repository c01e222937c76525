import Foundation
import RemitAMQP
import RemitCore
import RemitMessages
import Testing

@Suite("AMQP module against a real broker", .serialized)
struct AMQPTests {
    @Test func publishConsumeAckRoundTripKeepsPropertiesAndHeaders() async throws {
        try await TestBroker.with(apply: false) { broker in
            try await broker.withConnection { connection in
                try await connection.declare(QueueDeclaration(name: "plain", arguments: ["x-queue-type": .string("quorum")]))
                let messages = (0..<200).map { index in
                    OutboundMessage(
                        exchange: "", routingKey: "plain", body: Array("body-\(index)".utf8),
                        properties: AMQPProperties(
                            contentType: "text/plain", messageId: "m-\(index)",
                            correlationId: "c", type: "t",
                            headers: [
                                "n": .int(Int64(index)), "s": .string("x"),
                                "nested": .table(["a": .bool(true)]),
                            ]))
                }
                try await connection.publish(messages)
                #expect(try await connection.inspectQueue("plain").messageCount == 200)
                let consumer = try await connection.consume(queue: "plain", prefetch: 50)
                var received: [Delivery] = []
                while received.count < 200 {
                    let batch = try await consumer.deliveries.nextBatch(limit: 100)
                    #expect(batch.count <= 50, "prefetch bounds what is in flight")
                    received += batch
                    try await connection.ack(batch.last!.deliveryTag, multiple: true)
                }
                try await consumer.cancel()
                #expect(received.map { String(decoding: $0.body, as: UTF8.self) } == (0..<200).map { "body-\($0)" })
                #expect(received[7].properties.messageId == "m-7")
                #expect(received[7].properties.persistent)
                #expect(received[7].properties.headers["n"] == .int(7))
                #expect(received[7].properties.headers["nested"] == .table(["a": .bool(true)]))
                #expect(try await connection.inspectQueue("plain").messageCount == 0)
            }
        }
    }

    @Test func theConnectionKnowsWhichBrokerItReached() async throws {
        try await TestBroker.with(apply: false) { broker in
            let properties = try await broker.withConnection { $0.serverProperties }
            let overview = try await broker.management.overview()
            #expect(properties["product"]?.stringValue == "RabbitMQ")
            #expect(properties["cluster_name"]?.stringValue == overview["cluster_name"]?.stringValue)
        }
    }

    @Test func unroutableMandatoryPublishIsAnError() async throws {
        try await TestBroker.with { broker in
            try await broker.withConnection { connection in
                let message = OutboundMessage(
                    exchange: broker.topology.workers.exchange, routingKey: "nobody.listens",
                    body: Array("x".utf8), properties: AMQPProperties(messageId: "lost-1"))
                await #expect { try await connection.publish(message) } throws: { error in
                    let error = error as? AMQPError
                    return error?.code == .unroutable && error!.description.contains("nobody.listens")
                }
                // The connection stays usable after a returned message.
                try await connection.publish(OutboundMessage(exchange: "", routingKey: "remit.smoke.audit", body: [1]))
            }
        }
    }

    @Test func nackedPublishIsAnError() async throws {
        try await TestBroker.with(apply: false) { broker in
            try await broker.withConnection { connection in
                // A full queue that rejects publishes makes the broker nack (a classic queue enforces
                // the length exactly).
                try await connection.declare(
                    QueueDeclaration(
                        name: "full",
                        arguments: [
                            "x-max-length": .int(1), "x-overflow": .string("reject-publish"),
                        ]))
                try await connection.publish(OutboundMessage(exchange: "", routingKey: "full", body: [1]))
                await #expect { try await connection.publish(OutboundMessage(exchange: "", routingKey: "full", body: [2])) } throws: {
                    error in
                    (error as? AMQPError)?.code == .nacked
                }
            }
        }
    }

    @Test func publishingToAMissingExchangeFailsAndTheConnectionRecovers() async throws {
        try await TestBroker.with(apply: false) { broker in
            try await broker.withConnection { connection in
                await #expect {
                    try await connection.publish(OutboundMessage(exchange: "no-such-exchange", routingKey: "k", body: [1]))
                } throws: { error in
                    (error as? AMQPError)?.code == .notFound
                }
                try await connection.declare(QueueDeclaration(name: "after", arguments: ["x-queue-type": .string("quorum")]))
                try await connection.publish(OutboundMessage(exchange: "", routingKey: "after", body: [1]))
                #expect(try await connection.inspectQueue("after").messageCount == 1)
            }
        }
    }

    @Test func clearErrorsNameHostVhostAndQueueButNeverThePassword() async throws {
        let base = try TestBroker.baseConfiguration
        var refused = base
        refused.port = 1
        await #expect { _ = try await AMQPConnection.connect(refused, logger: testLogger) } throws: { error in
            (error as? AMQPError)?.code == .connectionRefused && "\(error)".contains("\(base.host):1")
        }
        var wrongPassword = base
        wrongPassword.password = "not-the-password-\(UUID())"
        await #expect { _ = try await AMQPConnection.connect(wrongPassword, logger: testLogger) } throws: { error in
            (error as? AMQPError)?.code == .authenticationFailed && !"\(error)".contains(wrongPassword.password)
        }
        await #expect { _ = try await AMQPConnection.connect(base.with(vhost: "no-such-vhost"), logger: testLogger) } throws: { error in
            (error as? AMQPError)?.code == .unknownVhost && "\(error)".contains("no-such-vhost")
        }
        try await TestBroker.with(apply: false) { broker in
            try await broker.withConnection { connection in
                await #expect { _ = try await connection.consume(queue: "missing-queue", prefetch: 1) } throws: { error in
                    (error as? AMQPError)?.code == .notFound && "\(error)".contains("missing-queue")
                        && "\(error)".contains(broker.amqp.vhost)
                }
                await #expect { _ = try await connection.inspectQueue("missing-queue") } throws: { error in
                    (error as? AMQPError)?.code == .notFound
                }
            }
        }
    }

    /// A cluster's nodes in one URL: a node that refuses is passed over for the next; when none
    /// takes the connection the error names every node tried; a refusal of the credentials is
    /// not tried elsewhere (every node of a cluster has the same users).
    @Test func aConnectFailsOverToTheNextNodeOfTheList() async throws {
        let base = try TestBroker.baseConfiguration
        var cluster = base
        cluster.port = 1
        cluster.otherEndpoints = [AMQPEndpoint(host: base.host, port: 2), AMQPEndpoint(host: base.host, port: base.port)]
        try await AMQPConnection.withConnection(cluster, logger: testLogger) { connection in
            #expect(connection.configuration.port == base.port && connection.configuration.otherEndpoints.isEmpty)
            #expect(connection.serverProperties["product"]?.stringValue == "RabbitMQ")
        }
        var none = cluster
        none.otherEndpoints = [AMQPEndpoint(host: base.host, port: 2)]
        none.password = "pw-never-shown-\(UUID())"
        await #expect { _ = try await AMQPConnection.connect(none, logger: testLogger) } throws: { error in
            let text = "\(error)"
            return (error as? AMQPError)?.code == .connectionRefused && text.contains("\(base.host):1: connectionRefused")
                && text.contains("\(base.host):2: connectionRefused") && !text.contains(none.password)
        }
        var wrongPassword = cluster
        wrongPassword.port = base.port
        wrongPassword.otherEndpoints = [AMQPEndpoint(host: base.host, port: 1)]
        wrongPassword.password = "not-the-password-\(UUID())"
        await #expect { _ = try await AMQPConnection.connect(wrongPassword, logger: testLogger) } throws: { error in
            (error as? AMQPError)?.code == .authenticationFailed && !"\(error)".contains(":1: ")
        }
    }

    @Test func accessRefusedForAUserWithoutPermissionOnTheVhost() async throws {
        let user = "remit-test-\(UUID().uuidString.prefix(6))"
        try rabbitmqctl("add_user", user, "pw-\(user)")
        defer { _ = try? rabbitmqctl("delete_user", user) }
        try await TestBroker.with(apply: false) { broker in
            var config = broker.amqp
            config.user = user
            config.password = "pw-\(user)"
            await #expect { _ = try await AMQPConnection.connect(config, logger: testLogger) } throws: { error in
                (error as? AMQPError)?.code == .accessRefused && !"\(error)".contains(config.password)
            }
        }
    }

    @Test func nackRequeuesRejectDeadLettersAndCancelEndsTheStream() async throws {
        try await TestBroker.with(apply: false) { broker in
            try await broker.withConnection { connection in
                try await connection.declare(ExchangeDeclaration(name: "dlx", type: "fanout"))
                try await connection.declare(QueueDeclaration(name: "rejected", arguments: ["x-queue-type": .string("quorum")]))
                try await connection.bind(queue: "rejected", exchange: "dlx", routingKey: "")
                try await connection.declare(
                    QueueDeclaration(
                        name: "work",
                        arguments: [
                            "x-queue-type": .string("quorum"), "x-dead-letter-exchange": .string("dlx"),
                        ]))
                try await connection.publish([
                    OutboundMessage(exchange: "", routingKey: "work", body: Array("requeue-me".utf8)),
                    OutboundMessage(exchange: "", routingKey: "work", body: Array("reject-me".utf8)),
                ])
                let consumer = try await connection.consume(queue: "work", prefetch: 1)
                let first = try #require(try await consumer.deliveries.nextBatch(limit: 1).first)
                #expect(String(decoding: first.body, as: UTF8.self) == "requeue-me" && !first.redelivered)
                try await connection.nack(first.deliveryTag, requeue: true)
                var seen: [Delivery] = []
                while seen.count < 2 {
                    let delivery = try #require(try await consumer.deliveries.nextBatch(limit: 1).first)
                    seen.append(delivery)
                    if String(decoding: delivery.body, as: UTF8.self) == "reject-me" {
                        try await connection.reject(delivery.deliveryTag, requeue: false)
                    } else {
                        #expect(delivery.redelivered, "a nacked message comes back marked redelivered")
                        try await connection.ack(delivery.deliveryTag)
                    }
                }
                try await consumer.cancel()
                #expect(try await consumer.deliveries.nextBatch(limit: 10).isEmpty, "the stream ends after cancel")
                try await expectEventually("the rejected message is dead-lettered") {
                    try await connection.inspectQueue("rejected").messageCount == 1
                }
                #expect(try await connection.inspectQueue("work").messageCount == 0)
            }
        }
    }

    @Test func heartbeatsKeepAnIdleConnectionOpen() async throws {
        try await TestBroker.with(apply: false) { broker in
            var configuration = broker.amqp
            configuration.heartbeatSeconds = 1
            try await AMQPConnection.withConnection(configuration, logger: testLogger) { connection in
                // The broker closes a connection that misses two heartbeats; stay idle for longer.
                try await Task.sleep(for: .seconds(5))
                #expect(connection.isOpen)
                try await connection.declare(QueueDeclaration(name: "still-here", arguments: ["x-queue-type": .string("quorum")]))
                try await connection.publish(OutboundMessage(exchange: "", routingKey: "still-here", body: [1]))
            }
        }
    }

    @Test func anAckNotWaitedForIsSentBeforeTheCloseAfterItAndFailsOnceClosed() async throws {
        try await TestBroker.with(apply: false) { broker in
            let connection = try await AMQPConnection.connect(broker.amqp, logger: testLogger)
            try await connection.declare(QueueDeclaration(name: "acked", arguments: ["x-queue-type": .string("quorum")]))
            try await connection.publish((0..<20).map { OutboundMessage(exchange: "", routingKey: "acked", body: [UInt8($0)]) })
            let consumer = try await connection.consume(queue: "acked", prefetch: 20)
            var received: [Delivery] = []
            while received.count < 20 { received += try await consumer.deliveries.nextBatch(limit: 20) }
            try connection.ackWithoutWaiting(received.last!.deliveryTag, multiple: true)
            await connection.close()
            #expect(throws: AMQPError.self) { try connection.ackWithoutWaiting(received.last!.deliveryTag) }
            // Had the ack been lost with the close, the 20 would be back in the queue once the
            // broker has ended the consumer (and requeued what it held).
            try await broker.withConnection { other in
                var state = try await other.inspectQueue("acked")
                for _ in 0..<100 where state.consumerCount > 0 {
                    try await Task.sleep(for: .milliseconds(50))
                    state = try await other.inspectQueue("acked")
                }
                #expect(state.consumerCount == 0)
                #expect(state.messageCount == 0)
            }
        }
    }

    @Test func closingAConnectionEndsItsConsumersAndFailsLaterCalls() async throws {
        try await TestBroker.with(apply: false) { broker in
            let connection = try await AMQPConnection.connect(broker.amqp, logger: testLogger)
            try await connection.declare(QueueDeclaration(name: "q", arguments: ["x-queue-type": .string("quorum")]))
            let consumer = try await connection.consume(queue: "q", prefetch: 1)
            await connection.close()
            #expect(try await consumer.deliveries.nextBatch(limit: 1).isEmpty)
            #expect(!connection.isOpen)
            await #expect { try await connection.publish(OutboundMessage(exchange: "", routingKey: "q", body: [1])) } throws: { error in
                (error as? AMQPError)?.code == .connectionClosed
            }
        }
    }
}
