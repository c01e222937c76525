import Foundation
import RemitAMQP
import RemitClient
import RemitMessages
import RemitOperations
import RemitRuntime
import Testing

@Suite("scripts/run's broker vhost and users: each role can do its work and no more", .serialized)
struct BrokerUsersTests {
    /// Runs `ensure_remit_broker_users` from scripts/lib.sh for `directory` on `vhost`; the URLs it made.
    func ensureUsers(_ directory: String, vhost: String) throws -> [String: String] {
        let (status, output) = try runSourcingLib(
            #"ensure_remit_broker_users "$1" && printf 'admin=%s\nworker=%s\nportal=%s\n%s' "$REMIT_ADMIN_URL" "$REMIT_WORKER_URL" "$REMIT_PORTAL_URL" "$REMIT_KIND_URLS""#,
            [directory], environment: ["REMIT_VHOST": vhost])
        #expect(status == 0)
        var urls: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { urls[String(parts[0])] = String(parts[1]) }
        }
        return urls
    }

    @Test func theOperatorWorkersAndPortalEachHaveTheirOwnUser() async throws {
        // The test broker's vhost is replaced by one the script creates; the test broker's data
        // directory and topology are used as they are.
        try await TestBroker.with(apply: false) { broker in
            let vhost = "remit-users-\(UUID().uuidString.prefix(8).lowercased())"
            do {
                try await checkRoles(broker, vhost: vhost)
                try? await broker.management.deleteVhost(vhost)
            } catch {
                try? await broker.management.deleteVhost(vhost)
                try? await broker.management.deleteUser("remit-producer-ops-\(vhost.suffix(8))")
                throw error
            }
        }
    }

    func checkRoles(_ broker: TestBroker, vhost: String) async throws {
        let urls = try ensureUsers(broker.dataDirectory, vhost: vhost)
        let admin = try #require(urls["admin"])
        let worker = try #require(urls["worker"])
        let portal = try #require(urls["portal"])
        #expect(admin.contains("remit-admin:") && admin.hasSuffix("/\(vhost)"))
        let secrets = try String(contentsOfFile: "\(broker.dataDirectory)/broker-users.env", encoding: .utf8)
        let mode = try FileManager.default.attributesOfItem(atPath: "\(broker.dataDirectory)/broker-users.env")[.posixPermissions]
        #expect(mode as? Int == 0o600)
        #expect(try String(contentsOfFile: "\(broker.dataDirectory)/remit.conf", encoding: .utf8) == "amqp-url = \(admin)\n")
        #expect(try ensureUsers(broker.dataDirectory, vhost: vhost) == urls, "a second run keeps the passwords")
        #expect(try String(contentsOfFile: "\(broker.dataDirectory)/broker-users.env", encoding: .utf8) == secrets)

        // The operator applies the topology; the portal's user may not.
        let (applied, appliedOutput) = try await RemitProcess.run(["topology", "apply", "--amqp-url", admin], broker: broker)
        #expect(applied == 0, "\(appliedOutput)")
        let (refused, refusedOutput) = try await RemitProcess.run(["topology", "apply", "--amqp-url", portal], broker: broker)
        #expect(refused != 0 && refusedOutput.contains("ACCESS_REFUSED"), "\(refusedOutput)")
        #expect(!refusedOutput.contains(String(portal.split(separator: ":")[2].split(separator: "@")[0])), "no password shown")
        let (status, statusOutput) = try await RemitProcess.run(["status", "--amqp-url", portal], broker: broker)
        #expect(status != 0 && statusOutput.contains("refused user 'remit-portal'"), "no management API for the portal: \(statusOutput)")
        // The operator makes producers' users (the administrator tag); the portal's user may not.
        let producer = "ops-\(vhost.suffix(8))"
        let (added, addedOutput) = try await RemitProcess.run(["producers", "add", producer, "--amqp-url", admin], broker: broker)
        #expect(added == 0 && addedOutput.contains("amqp://remit-producer-\(producer):"), "\(addedOutput)")
        let (removed, removedOutput) = try await RemitProcess.run(["producers", "remove", producer, "--amqp-url", admin], broker: broker)
        #expect(removed == 0, "\(removedOutput)")
        let (refusedAdd, refusedAddOutput) = try await RemitProcess.run(
            ["producers", "add", producer, "--amqp-url", portal], broker: broker)
        #expect(refusedAdd == 1 && refusedAddOutput.contains("refused user 'remit-portal'"), "\(refusedAddOutput)")

        // Topic permissions on `remit`: the portal's user publishes the buyers' commands and nothing
        // else; the workers' user publishes the kinds' follow-ups and HQ's job runs, never a command.
        func publish(_ type: String, _ body: String, as url: String) async throws -> (Int32?, String) {
            try await RemitProcess.run(["publish", type, "--amqp-url", url, "--body", body], broker: broker)
        }
        let money = #"{"amount":"1.00","currency":"EUR"}"#
        let bodies = [
            "invoice.request": #"{"user":"u-1","invoiceNumber":"I-1"}"#,
            "cart.checkout": #"{"user":"u-1","tender":"card","cardAuthorization":"psp-1"}"#,
            "smoke.record": #"{"key":"u-1","amount":\#(money)}"#,
            "payment.post":
                #"{"paymentId":"p-1","user":"u-1","invoiceNumber":"I-1","amount":\#(money),"tender":"card","cardAuthorization":"psp-1"}"#,
            "invoice.pay":
                #"{"user":"u-1","invoiceNumber":"I-1","amount":\#(money),"tender":"card","cardAuthorization":"psp-1","idempotencyKey":"k-1"}"#,
            "hq.distribution.run": #"{"requestedBy":"test"}"#,
        ]
        let allowed = [("invoice.request", portal), ("cart.checkout", portal), ("payment.post", worker), ("hq.distribution.run", worker)]
        for (type, url) in allowed {
            let (status, output) = try await publish(type, bodies[type]!, as: url)
            #expect(status == 0, "\(type): \(output)")
        }
        let forbidden = [
            ("smoke.record", portal), ("payment.post", portal), ("invoice.pay", portal), ("hq.distribution.run", portal),
            ("cart.checkout", worker), ("invoice.request", worker), ("invoice.pay", worker), ("smoke.record", worker),
        ]
        for (type, url) in forbidden {
            let (status, output) = try await publish(type, bodies[type]!, as: url)
            #expect(status != 0 && output.contains("ACCESS_REFUSED"), "\(type) by \(url.prefix(18)): \(output)")
            #expect(!output.contains(String(url.split(separator: ":")[2].split(separator: "@")[0])), "no password shown")
        }
        // Counted in the script's vhost, as the operator.
        func ready(_ queue: String) async throws -> Int {
            try await AMQPConnection.withConnection(try AMQPConfiguration(url: admin), logger: testLogger) {
                try await $0.inspectQueue(queue).messageCount
            }
        }
        // Each kind's own user: on `remit` only what Topology/workers.json says the kind publishes.
        let kinds = try Topology.load(from: repositoryRoot.appendingPathComponent("Topology")).workers.kinds
        for kind in kinds {
            let url = try #require(urls[kind.name], "a user for \(kind.name)")
            #expect(url.contains("remit-worker-\(kind.name):") && url.hasSuffix("/\(vhost)"))
            for type in ["invoice.pay", "hq.distribution.run", "payment.post"] where !kind.publishedTypes.contains(type) {
                let (status, output) = try await publish(type, bodies[type]!, as: url)
                #expect(status != 0 && output.contains("ACCESS_REFUSED"), "\(type) by \(kind.name)'s user: \(output)")
                #expect(!output.contains(String(url.split(separator: ":")[2].split(separator: "@")[0])), "no password shown")
            }
        }
        let cartValidation = try #require(urls["cart-validation"])
        let (posted, postedOutput) = try await publish("payment.post", bodies["payment.post"]!, as: cartValidation)
        #expect(posted == 0, "cart validation posts the payments of a checkout: \(postedOutput)")
        #expect(try await ready("remit.invoice-requests") == 1, "the portal's command arrived")
        #expect(try await ready("remit.payment-posting") == 2, "the workers' follow-ups arrived, nothing else")
        let (cart, smoke, runs) = (try await ready("remit.cart"), try await ready("remit.smoke"), try await ready("remit.hq.distribution"))
        #expect(cart == 1 && smoke == 0 && runs == 1, "only the allowed ones arrived: \(cart), \(smoke), \(runs)")

        // The operator publishes a smoke record; a worker under the smoke kind's own user applies
        // it, publishes its follow-up (allowed) and answers `remit scale`, which the operator sends.
        let (published, publishedOutput) = try await publish("smoke.record", bodies["smoke.record"]!, as: admin)
        #expect(published == 0, "\(publishedOutput)")
        let running = try RemitProcess(["worker", "smoke", "--amqp-url", try #require(urls["smoke"])], broker: broker)
        defer { running.signal(SIGKILL) }
        try await expectEventually("the worker applies it") {
            (try? broker.rows("SELECT COUNT(*) FROM smoke_record WHERE key = 'u-1'")) == 1
        }
        try await expectEventually("the worker's control queue is there") {
            let (scaled, output) = try await RemitProcess.run(["scale", "smoke=2", "--amqp-url", admin, "--wait", "2"], broker: broker)
            return scaled == 0 && output.contains("smoke 1 → 2")
        }
        #expect(!running.output.contains("ACCESS_REFUSED"), "\(running.output.suffix(2000))")
        try await expectEventually("its follow-up, smoke.recorded, was published under the workers' user") {
            try await ready("remit.smoke.audit") == 1
        }
    }
}

@Suite("remit producers: a producer's own broker user sends the public commands and reads its replies, nothing more", .serialized)
struct ProducerUsersTests {
    @Test func aProducersUserPublishesOnlyThePublicCommandsAndUsesOnlyItsOwnReplyQueues() async throws {
        try await TestBroker.with { broker in
            let name = "erp-\(UUID().uuidString.prefix(8).lowercased())"
            do {
                try await checkProducer(named: name, broker)
            } catch {
                try? await broker.management.deleteUser(ProducerUsers.userPrefix + name)
                throw error
            }
        }
    }

    func checkProducer(named name: String, _ broker: TestBroker) async throws {
        let user = ProducerUsers.userPrefix + name
        let (added, addOutput) = try await RemitProcess.run(["producers", "add", name], broker: broker)
        #expect(added == 0, "\(addOutput)")
        let url = try #require(addOutput.split(separator: "\n").map(String.init).first { $0.hasPrefix("amqp://\(user):") }, "\(addOutput)")
        #expect(url.hasSuffix("/\(broker.amqp.vhost)"))
        let password = String(url.split(separator: ":")[2].split(separator: "@")[0])
        #expect(password.count >= 24)
        let (listed, list) = try await RemitProcess.run(["producers", "list"], broker: broker)
        #expect(listed == 0 && list.contains("\(name)  user \(user)") && !list.contains(password), "\(list)")
        let (again, againOutput) = try await RemitProcess.run(["producers", "add", name], broker: broker)
        #expect(again == 1 && againOutput.contains("exists already") && !againOutput.contains(password), "\(againOutput)")

        // Topic permissions on `remit`: the public commands, nothing else.
        let money = #"{"amount":"1.00","currency":"EUR"}"#
        let bodies = [
            "invoice.pay":
                #"{"user":"u-1","invoiceNumber":"I-1","amount":\#(money),"tender":"card","cardAuthorization":"psp-1","idempotencyKey":"k-1"}"#,
            "invoice.request": #"{"user":"u-1","invoiceNumber":"I-1"}"#,
            "payment.post":
                #"{"paymentId":"p-1","user":"u-1","invoiceNumber":"I-1","amount":\#(money),"tender":"card","cardAuthorization":"psp-1"}"#,
            "cart.checkout": #"{"user":"u-1","tender":"card","cardAuthorization":"psp-1"}"#,
            "hq.distribution.run": #"{"requestedBy":"test"}"#,
            "smoke.record": #"{"key":"u-1","amount":\#(money)}"#,
        ]
        for type in bodies.keys.sorted() {
            let (status, output) = try await RemitProcess.run(
                ["publish", type, "--amqp-url", url, "--body", bodies[type]!, "--acting-user", "system:erp"], broker: broker)
            if ["invoice.pay", "invoice.request"].contains(type) {
                #expect(status == 0, "\(type): \(output)")
            } else {
                #expect(status != 0 && output.contains("ACCESS_REFUSED"), "\(type): \(output)")
            }
            #expect(!output.contains(password), "no password shown")
        }
        var arrived: [String: Int] = [:]
        for queue in ["remit.payment-posting", "remit.invoice-requests", "remit.cart", "remit.hq.distribution", "remit.smoke"] {
            arrived[queue] = try await broker.readyCount(queue)
        }
        #expect(
            arrived == [
                "remit.payment-posting": 1, "remit.invoice-requests": 1, "remit.cart": 0, "remit.hq.distribution": 0, "remit.smoke": 0,
            ],
            "only the public commands arrived")

        // Its reply queues: server-named exclusive ones and its own names, declared and read.
        let producer = try AMQPConfiguration(url: url)
        try await AMQPConnection.withConnection(producer, logger: testLogger) { connection in
            let generated = try await connection.declare(QueueDeclaration(name: "", durable: false, exclusive: true, autoDelete: true))
            #expect(generated.name.hasPrefix("amq.gen-"))
            try await connection.consume(queue: generated.name, prefetch: 1).cancel()
            let own = try await connection.declare(QueueDeclaration(name: "producer.\(name).replies"))
            try await connection.consume(queue: own.name, prefetch: 1).cancel()
            _ = try await connection.deleteQueue(own.name)
        }
        // Not a queue of another name, not Remit's queues, not the default exchange.
        let refusals: [(String, @Sendable (AMQPConnection) async throws -> Void)] = [
            ("declare erp.replies", { _ = try await $0.declare(QueueDeclaration(name: "erp.replies")) }),
            ("consume remit.payment-posting", { _ = try await $0.consume(queue: "remit.payment-posting", prefetch: 1) }),
            (
                "publish into remit.payment-posting",
                {
                    try await $0.publish(
                        OutboundMessage(exchange: "", routingKey: "remit.payment-posting", body: Array("{}".utf8), properties: .init()))
                }
            ),
        ]
        for (what, attempt) in refusals {
            do {
                try await AMQPConnection.withConnection(producer, logger: testLogger) { try await attempt($0) }
                Issue.record("\(what) was allowed")
            } catch {
                #expect("\(error)".contains("ACCESS_REFUSED") && !"\(error)".contains(password), "\(what): \(error)")
            }
        }

        let (removed, removeOutput) = try await RemitProcess.run(["producers", "remove", name], broker: broker)
        #expect(removed == 0, "\(removeOutput)")
        let (_, afterRemove) = try await RemitProcess.run(["producers", "list"], broker: broker)
        #expect(!afterRemove.contains(name), "\(afterRemove)")
        await #expect(throws: (any Error).self, "the user is gone") {
            try await AMQPConnection.withConnection(producer, logger: testLogger) { _ in }
        }
        let (gone, goneOutput) = try await RemitProcess.run(["producers", "remove", name], broker: broker)
        #expect(gone == 1 && goneOutput.contains("no producer \(name)"), "\(goneOutput)")
        let (bad, badOutput) = try await RemitProcess.run(["producers", "add", "Bad Name!"], broker: broker)
        let lines = badOutput.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") }
        #expect(bad == 64 && badOutput.contains("a producer's name is 1…40 lowercase letters"), "\(badOutput)")
        #expect(lines.count <= 2, "a clear line, not a crash: \(badOutput)")
    }
}
