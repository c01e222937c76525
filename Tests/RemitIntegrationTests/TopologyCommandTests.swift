import Foundation
import RemitAMQP
import RemitCore
import RemitRuntime
import Testing

@Suite("remit topology and publish commands", .serialized)
struct TopologyCommandTests {
    @Test func verifyListsAQueueDeclaredWithDifferentArguments() async throws {
        try await TestBroker.with(apply: false) { broker in
            // Someone declared the work queue by hand with other arguments, and no retry tier 3.
            try await broker.withConnection { connection in
                try await connection.declare(QueueDeclaration(name: "remit.smoke", arguments: [
                    "x-queue-type": .string("quorum"), "x-delivery-limit": .int(5),
                ]))
            }
            let (applyStatus, applyOutput) = try await RemitProcess.run(["topology", "apply"], broker: broker)
            #expect(applyStatus != 0, "apply reports the queue it could not declare")
            #expect(applyOutput.contains("remit.smoke") && applyOutput.contains("PRECONDITION_FAILED"))
            try await broker.withConnection { try await $0.deleteQueue("remit.smoke.retry.3") }

            let (status, output) = try await RemitProcess.run(["topology", "verify"], broker: broker)
            #expect(status == 1)
            #expect(output.contains("queue 'remit.smoke': argument x-delivery-limit is 5, expected 20"), "\(output)")
            #expect(output.contains("queue 'remit.smoke': argument x-dead-letter-exchange is not set, expected \"remit.dead-letters\""))
            #expect(output.contains("queue 'remit.smoke.retry.3' is missing"))
            #expect(!output.contains("\(broker.amqp.user):\(broker.amqp.password)@"), "no credentials in the output")
        }
    }

    @Test func applyThenVerifyMatches() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (applyStatus, applyOutput) = try await RemitProcess.run(["topology", "apply"], broker: broker)
            #expect(applyStatus == 0, "\(applyOutput)")
            let (status, output) = try await RemitProcess.run(["topology", "verify"], broker: broker)
            #expect(status == 0, "\(output)")
            #expect(output.contains("topology matches"))
        }
    }

    @Test func exportedDefinitionsImportWithRabbitmqctlAndVerify() async throws {
        try await TestBroker.with(apply: false) { broker in
            try await broker.management.deleteVhost(broker.amqp.vhost)
            let file = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("definitions.json")
            let (status, output) = try await RemitProcess.run(["topology", "export", "--output", file.path], broker: broker)
            #expect(status == 0, "\(output)")
            try rabbitmqctl("import_definitions", file.path)
            // The import alone lets the AMQP user in (the vhost was created by it, with no permissions).
            let state = try await broker.withConnection { try await $0.inspectQueue("remit.smoke") }
            #expect(state.messageCount == 0)
            let verifier = TopologyVerifier(topology: broker.topology, management: broker.management)
            #expect(try await verifier.differences(vhost: broker.amqp.vhost) == [])
        }
    }

    @Test func publishConfirmsPrintsWhatItPublishedAndRefusesInvalidBodies() async throws {
        try await TestBroker.with { broker in
            let (status, output) = try await RemitProcess.run(
                ["publish", "smoke.record", "--body", #"{"key":"cli","amount":{"amount":"3.50","currency":"EUR"}}"#,
                 "--message-id", "cli-1"], broker: broker)
            #expect(status == 0, "\(output)")
            #expect(output.contains("published smoke.record id=cli-1"))
            #expect(try await broker.readyCount("remit.smoke") == 1)

            let lines = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("bodies.jsonl")
            try """
                {"key":"f-1","amount":{"amount":"1.00","currency":"EUR"}}
                {"key":"f-2","amount":{"amount":1.5,"currency":"EUR"}}
                {"key":"f-3"}
                """.write(to: lines, atomically: true, encoding: .utf8)
            let (badStatus, badOutput) = try await RemitProcess.run(["publish", "smoke.record", "--file", lines.path], broker: broker)
            #expect(badStatus != 0)
            #expect(badOutput.contains("line 2: body.amount.amount: expected string, found number"), "\(badOutput)")
            #expect(badOutput.contains("line 3: body: missing required property 'amount'"))
            #expect(try await broker.readyCount("remit.smoke") == 1, "nothing of an invalid file is published")

            try """
                {"key":"f-1","amount":{"amount":"1.00","currency":"EUR"}}
                {"key":"f-2","amount":{"amount":"2.00","currency":"EUR"}}
                """.write(to: lines, atomically: true, encoding: .utf8)
            let (fileStatus, fileOutput) = try await RemitProcess.run(["publish", "smoke.record", "--file", lines.path], broker: broker)
            #expect(fileStatus == 0, "\(fileOutput)")
            #expect(fileOutput.components(separatedBy: "published smoke.record").count == 3)
            #expect(try await broker.readyCount("remit.smoke") == 3)

            let (unknownStatus, unknownOutput) = try await RemitProcess.run(["publish", "no.such", "--body", "{}"], broker: broker)
            #expect(unknownStatus != 0 && unknownOutput.contains("unknown message type 'no.such'"))
        }
    }
}
