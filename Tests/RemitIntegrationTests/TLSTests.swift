import Foundation
import RemitAMQP
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import Testing

/// `amqps://` and `https://` against a RabbitMQ node of the suite's own whose TLS listeners use
/// certificates `openssl` made for it (`TLSBrokerNode`, `scripts/testing/tls_broker.sh`).
@Suite(
    "TLS: amqps:// and the management API over https://", .serialized,
    .enabled(if: TLSBrokerNode.opensslIsInstalled, "openssl is not installed (apt-get install openssl): no certificates to test TLS with"),
    .tlsBroker)
struct TLSTests {
    var node: TLSBrokerNode { get throws { try #require(TLSBrokerNode.current, "the suite's TLS broker node") } }

    @Test func aWorkerOverAMQPSWithAClientCertificateAppliesWhatWasPublishedOverAMQPS() async throws {
        let node = try node
        try await TestBroker.with(base: (node.amqp(), node.management())) { broker in
            let total = 3000
            let ids = try await broker.publishSmoke(count: total)
            let started = ContinuousClock.now
            // The worker first checks the topology through the management API over https, with the
            // AMQP URL's CA file and client certificate.
            let worker = try RemitProcess(["worker", "smoke", "--consumers", "2", "--prefetch", "300"], broker: broker)
            try await expectEventually("the worker applied every message", timeout: .seconds(120)) {
                (try? broker.rows("SELECT COUNT(*) FROM smoke_record")) ?? 0 == total || !worker.process.isRunning
            }
            let elapsed = ContinuousClock.now - started
            #expect(worker.process.isRunning, "the worker stopped: \(worker.output.suffix(2000))")

            // The broker's own view: every connection of the worker is TLS and presented our certificate.
            let connections = try node.rabbitmqctl(
                "list_connections", "-q", "--no-table-headers", "vhost", "ssl", "peer_cert_subject", "client_properties")
            let workers = connections.split(separator: "\n").filter { $0.hasPrefix(broker.amqp.vhost) && $0.contains("remit smoke") }
            #expect(
                workers.count == 5,
                "2 consumers, each with a consuming and a publishing connection, and the queue sampler's:\n\(connections)")
            for connection in workers {
                #expect(connection.contains("\ttrue\t") && connection.contains("CN=remit-test-client"), "\(connection)")
            }

            worker.signal(SIGTERM)
            let status = await worker.waitForExit()
            #expect(status == 0, "\(worker.output.suffix(2000))")
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record") == total)
            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(try Set(broker.strings("SELECT message_id FROM inbox")) == Set(ids))
            let followUps = try await broker.drain("remit.smoke.audit", expected: total)
            #expect(followUps.count == total, "every follow-up was published over amqps and confirmed")
            // A stall waiting on a socket whose bytes OpenSSL already holds would cost up to a
            // second a time; 3000 messages over loopback take a few seconds without one.
            #expect(elapsed < .seconds(60), "took \(elapsed)")
        }
    }

    @Test func thousandsOfMessagesRoundTripOverAMQPSWithoutStalling() async throws {
        let node = try node
        try await TestBroker.with(base: (node.amqp(), node.management())) { broker in
            let total = 5000
            let body = [UInt8](repeating: UInt8(ascii: "x"), count: 512)
            var amqp = broker.amqp
            amqp.heartbeatSeconds = 0  // the owner loop then sleeps in poll() for up to a second
            let started = ContinuousClock.now
            let received = try await AMQPConnection.withConnection(amqp, logger: testLogger) { connection in
                _ = try await connection.declare(QueueDeclaration(name: "tls-round-trip", durable: false, autoDelete: false))
                let messages = (0..<total).map { index in
                    OutboundMessage(exchange: "", routingKey: "tls-round-trip", body: body, properties: .init(messageId: "m-\(index)"))
                }
                for chunk in stride(from: 0, to: total, by: 500) { try await connection.publish(Array(messages[chunk..<chunk + 500])) }
                let consumer = try await connection.consume(queue: "tls-round-trip", prefetch: 1000)
                var ids: [String] = []
                while ids.count < total {
                    let batch = try await consumer.deliveries.nextBatch(limit: 1000)
                    guard let last = batch.last else { break }
                    ids += batch.compactMap(\.properties.messageId)
                    #expect(batch.allSatisfy { $0.body == body })
                    try await connection.ack(last.deliveryTag, multiple: true)
                }
                try await consumer.cancel()
                return ids
            }
            let elapsed = ContinuousClock.now - started
            #expect(received == (0..<total).map { "m-\($0)" }, "every message once, in order")
            #expect(elapsed < .seconds(20), "5000 messages there and back took \(elapsed)")
        }
    }

    @Test func aWrongCAIsRefusedWithAClearErrorAndTheWorkerExits() async throws {
        let node = try node
        var amqp = node.amqp(tls: TLSSettings(caFile: node.wrongCAFile))
        amqp.password = "pw-s3cr3t"
        await #expect {
            try await AMQPConnection.withConnection(amqp, logger: testLogger) { _ in }
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            let text = "\(error)"
            return error.code == .certificateVerificationFailed && error.isPermanent
                && text.contains("TLS certificate verification failed") && text.contains("wrong_ca_certificate.pem")
                && text.contains("amqps://localhost:\(node.amqpsPort)") && !text.contains("s3cr3t")
        }

        try await TestBroker.with(base: (node.amqp(), node.management())) { broker in
            var untrusting = broker.amqp
            untrusting.tls = TLSSettings(caFile: node.wrongCAFile)
            untrusting.password = "pw-s3cr3t"
            let refused = TestBroker(
                amqp: untrusting, management: broker.management, topology: broker.topology, dataDirectory: broker.dataDirectory)
            // Refused by the topology check (the first connection), and by the runtime's own start-up
            // check when that is skipped: a permanent refusal, so no retrying forever.
            for arguments in [["worker", "smoke"], ["worker", "smoke", "--skip-verify"]] {
                let started = ContinuousClock.now
                let (status, output) = try await RemitProcess.run(arguments, broker: refused, timeout: .seconds(30))
                #expect(status == 1, "\(arguments): \(output.suffix(1500))")
                #expect(ContinuousClock.now - started < .seconds(20))
                #expect(output.contains("TLS certificate verification failed"), "\(output.suffix(1500))")
                #expect(output.contains("wrong_ca_certificate.pem"), "\(output.suffix(1500))")
                #expect(!output.contains("s3cr3t"))
            }
            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record") == 0)
        }
    }

    @Test func theHostNameIsCheckedUnlessServerNameIndicationNamesAnother() async throws {
        let node = try node
        // 127.0.0.2 reaches the same listener (loopback), but the certificate is for localhost and 127.0.0.1.
        await #expect {
            try await AMQPConnection.withConnection(node.amqp(host: "127.0.0.2"), logger: testLogger) { _ in }
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .certificateVerificationFailed && "\(error)".contains("not for '127.0.0.2'")
        }
        var named = node.tls
        named.serverName = "localhost"
        let product = try await AMQPConnection.withConnection(node.amqp(host: "127.0.0.2", tls: named), logger: testLogger) {
            $0.serverProperties["product"]?.stringValue
        }
        #expect(product == "RabbitMQ")
        named.serverName = "broker.example"
        await #expect {
            try await AMQPConnection.withConnection(node.amqp(tls: named), logger: testLogger) { _ in }
        } throws: { error in
            (error as? AMQPError)?.code == .certificateVerificationFailed && "\(error)".contains("not for 'broker.example'")
        }
    }

    @Test func verificationIsOnByDefaultAndVerifyNoneTurnsItOff() async throws {
        let node = try node
        // No cacertfile: the system's trust store, which does not hold the test CA.
        await #expect {
            try await AMQPConnection.withConnection(node.amqp(tls: TLSSettings()), logger: testLogger) { _ in }
        } throws: { error in
            (error as? AMQPError)?.code == .certificateVerificationFailed && "\(error)".contains("system's trust store")
        }
        // verify_none with an unrelated CA, and without a client certificate (the broker asks for
        // one but admits a client without): connected, and messages flow.
        let unverified = TLSSettings(caFile: node.wrongCAFile, verifyPeer: false)
        try await TestBroker.with(base: (node.amqp(tls: unverified), node.management())) { broker in
            try await broker.publishSmoke(count: 3)
            #expect(try await broker.readyCount("remit.smoke") == 3)
            #expect(try await broker.drain("remit.smoke", expected: 3).count == 3)
        }
    }

    @Test func amqpsToAPortWithoutTLSIsAClearHandshakeError() async throws {
        let node = try node
        var amqp = node.amqp()
        amqp.port = node.amqpPort
        await #expect {
            try await AMQPConnection.withConnection(amqp, logger: testLogger) { _ in }
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .tlsHandshakeFailed && error.isPermanent && "\(error)".contains("does port \(node.amqpPort) speak TLS?")
        }
    }

    @Test func statusAndTopologyVerifyReadTheManagementAPIOverHTTPS() async throws {
        let node = try node
        try await TestBroker.with(base: (node.amqp(), node.management())) { broker in
            try await broker.publishSmoke(count: 7)
            let (verifyStatus, verified) = try await RemitProcess.run(["topology", "verify"], broker: broker)
            #expect(verifyStatus == 0, "\(verified)")
            #expect(verified.contains("topology matches on amqps://guest:***@localhost:\(node.amqpsPort)/"), "\(verified)")
            try await expectEventually("the management API counts 7 ready", timeout: .seconds(30)) {
                try await broker.management.queue(vhost: broker.amqp.vhost, name: "remit.smoke")?["messages_ready"]?.intValue == 7
            }
            let (status, output) = try await RemitProcess.run(["status", "--json"], broker: broker)
            #expect(status == 0, "\(output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
            let queues = try #require(json["workQueues"] as? [[String: Any]])
            #expect(queues.first { $0["kind"] as? String == "smoke" }?["ready"] as? Int == 7, "\(output)")

            // The management listener requires a client certificate and verifies the server's.
            let anonymous = node.management(tls: TLSSettings(caFile: node.caFile))
            await #expect { _ = try await anonymous.overview() } throws: { error in
                "\(error)".contains("TLS handshake failed") && "\(error)".contains("certificate required")
            }
            let untrusting = node.management(
                tls: TLSSettings(caFile: node.wrongCAFile, certificateFile: node.clientCertificateFile, keyFile: node.clientKeyFile))
            await #expect { _ = try await untrusting.overview() } throws: { error in
                "\(error)".contains("TLS certificate verification failed") && "\(error)".contains("wrong_ca_certificate.pem")
            }
        }
    }
}
