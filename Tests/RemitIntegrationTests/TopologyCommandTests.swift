import Foundation
import RemitAMQP
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import Testing

@Suite("remit topology and publish commands", .serialized)
struct TopologyCommandTests {
    @Test func verifyListsAQueueDeclaredWithDifferentArguments() async throws {
        try await TestBroker.with(apply: false) { broker in
            // Someone declared the work queue by hand with other arguments, and no retry tier 3.
            _ = try await broker.withConnection { connection in
                try await connection.declare(
                    QueueDeclaration(
                        name: "remit.smoke",
                        arguments: [
                            "x-queue-type": .string("quorum"), "x-delivery-limit": .int(5),
                        ]))
            }
            let (applyStatus, applyOutput) = try await RemitProcess.run(["topology", "apply"], broker: broker)
            #expect(applyStatus != 0, "apply reports the queue it could not declare")
            #expect(applyOutput.contains("remit.smoke") && applyOutput.contains("PRECONDITION_FAILED"))
            _ = try await broker.withConnection { try await $0.deleteQueue("remit.smoke.retry.3") }

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

    @Test func verifyRefusesWhenTheAMQPPortReachesNoBroker() async throws {
        try await TestBroker.with { broker in
            // The default management URL is http://127.0.0.1:15672, the broker on 5672, whose vhost matches.
            let url = RemitProcess.url(broker).replacingOccurrences(of: ":\(broker.amqp.port)/", with: ":5999/")
            let (status, output) = try await RemitProcess.run(["topology", "verify", "--amqp-url", url], broker: broker)
            #expect(status != 0, "\(output)")
            #expect(!output.contains("topology matches"))
            #expect(output.contains("connectionRefused") && output.contains(":5999/"), "\(output)")
        }
    }

    @Test func verifyReportsBindingsOnRemitsExchangesThatTopologyDoesNotDeclare() async throws {
        try await TestBroker.with { broker in
            try await broker.withConnection { connection in
                // A catch-all queue bound with '#' takes every message, so no mandatory publish is ever returned.
                try await connection.declare(QueueDeclaration(name: "stray"))
                try await connection.bind(queue: "stray", exchange: "remit", routingKey: "#")
                try await connection.bind(queue: "remit.smoke", exchange: "remit", routingKey: "email.send")
            }
            let (status, output) = try await RemitProcess.run(["topology", "verify"], broker: broker)
            #expect(status == 1, "\(output)")
            #expect(output.contains("binding 'remit' --[#]--> queue 'stray' is not in Topology/"), "\(output)")
            #expect(output.contains("queue 'stray' is bound to exchange 'remit' but is not in Topology/"))
            #expect(output.contains("binding 'remit' --[email.send]--> queue 'remit.smoke' is not in Topology/"))
            #expect(!output.contains("queue 'remit.smoke' is bound"), "Remit's own queue is no stranger")
        }
    }

    @Test func verifyReportsPoliciesThatApplyToRemitsObjects() async throws {
        try await TestBroker.with { broker in
            let vhost = broker.amqp.vhost
            try rabbitmqctl("set_policy", "-p", vhost, "--apply-to", "queues", "cap", #"^remit\."#, #"{"max-length":1000}"#)
            try rabbitmqctl(
                "set_operator_policy", "-p", vhost, "--apply-to", "queues", "op-ttl", #"^remit\.smoke$"#,
                #"{"message-ttl":60000}"#)
            try rabbitmqctl(
                "set_policy", "-p", vhost, "--apply-to", "exchanges", "elsewhere", #"^other\."#,
                #"{"alternate-exchange":"x"}"#)
            let (status, output) = try await RemitProcess.run(["topology", "verify"], broker: broker)
            #expect(status == 1, "\(output)")
            #expect(
                output.contains(#"policy 'cap' (pattern '^remit\.', apply-to queues) sets max-length on queues 'remit.smoke'"#),
                "\(output)")
            #expect(output.contains("operator policy 'op-ttl'") && output.contains("sets message-ttl on queue 'remit.smoke'"))
            #expect(!output.contains("elsewhere"), "a policy on no Remit object is not reported")
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
            #expect(try await broker.withConnection { try await verifier.differences(on: $0) } == [])
        }
    }

    @Test func publishConfirmsPrintsWhatItPublishedAndRefusesInvalidBodies() async throws {
        try await TestBroker.with { broker in
            let (status, output) = try await RemitProcess.run(
                [
                    "publish", "smoke.record", "--body", #"{"key":"cli","amount":{"amount":"3.50","currency":"EUR"}}"#,
                    "--message-id", "cli-1",
                ], broker: broker)
            #expect(status == 0, "\(output)")
            #expect(output.contains("published smoke.record id=cli-1"))
            #expect(try await broker.readyCount("remit.smoke") == 1)

            let lines = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("bodies.jsonl")
            try """
            {"key":"f-1","amount":{"amount":"1.00","currency":"EUR"}}
            {"key":"f-2","amount":{"amount":1.5,"currency":"EUR"}}
            {"key":"f-3"}
            {"key":"f-4","amount":{"amount":"1.005","currency":"EUR"}}
            """.write(to: lines, atomically: true, encoding: .utf8)
            let (badStatus, badOutput) = try await RemitProcess.run(["publish", "smoke.record", "--file", lines.path], broker: broker)
            #expect(badStatus != 0)
            #expect(badOutput.contains("line 2: body.amount.amount: expected string, found number"), "\(badOutput)")
            #expect(badOutput.contains("line 3: body: missing required property 'amount'"))
            // Past its schema, a body is decoded as the worker will: EUR has two decimals.
            #expect(
                badOutput.contains("line 4: smoke.record v1 body does not decode: $.body.amount.amount: '1.005' has more decimals"),
                "\(badOutput)")
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

    /// `remit topology asyncapi` writes the committed contract, and tools that are not Remit's own
    /// accept it: an AsyncAPI 3.0 parser, and jsonschema on every example (check_asyncapi.py, which
    /// also makes sure broken examples are refused).
    @Test func asyncapiWritesTheCommittedContractWhichAnAsyncAPIParserAndJSONSchemaAccept() async throws {
        try await TestBroker.with(apply: false) { broker in
            let file = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("asyncapi.json")
            let (status, output) = try await RemitProcess.run(["topology", "asyncapi", "--output", file.path], broker: broker)
            #expect(status == 0 && output.contains("wrote \(file.path)"), "\(output)")
            let committed = try Data(contentsOf: repositoryRoot.appendingPathComponent("docs/asyncapi.json"))
            #expect(
                try Data(contentsOf: file) == committed,
                "docs/asyncapi.json is stale: run `swift run remit topology asyncapi -o docs/asyncapi.json`")

            let checker = repositoryRoot.appendingPathComponent("scripts/testing/check_asyncapi.py").path
            let (checkStatus, checkOutput) = try await RemitProcess.run(
                ["python3", checker, file.path, repositoryRoot.appendingPathComponent("Topology").path], broker: broker,
                executable: URL(fileURLWithPath: "/usr/bin/env"))
            #expect(checkStatus == 0, "\(checkOutput)")
            #expect(checkOutput.contains("valid AsyncAPI 3.0.0: 3 channels, 3 operations, 3 messages; 6 examples valid"), "\(checkOutput)")

            // A path that cannot be written is one line naming it.
            let (badStatus, badOutput) = try await RemitProcess.run(
                ["topology", "asyncapi", "-o", "/nonexistent/asyncapi.json"], broker: broker)
            #expect(
                badStatus == 1 && badOutput == "remit: cannot write /nonexistent/asyncapi.json: No such file or directory\n", "\(badOutput)"
            )

            // The same checker refuses a contract whose example no longer matches its schema.
            let text = try String(contentsOf: file, encoding: .utf8)
            try text.replacingOccurrences(of: "\"erp-payment-77812\"", with: "12345").write(to: file, atomically: true, encoding: .utf8)
            let (brokenStatus, brokenOutput) = try await RemitProcess.run(
                ["python3", checker, file.path], broker: broker, executable: URL(fileURLWithPath: "/usr/bin/env"))
            #expect(brokenStatus == 1 && brokenOutput.contains("12345 is not of type 'string'"), "\(brokenOutput)")
        }
    }
}
