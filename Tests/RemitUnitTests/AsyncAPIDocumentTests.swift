import Foundation
import RemitCore
import RemitMessages
import Testing

/// The producers' contract (`docs/asyncapi.json`) is made from `Topology/` and matches what the
/// workers accept. `scripts/testing/check_asyncapi.py` checks it with an AsyncAPI parser and
/// `jsonschema` (TopologyCommandTests runs it on what `remit topology asyncapi` writes).
@Suite struct AsyncAPIDocumentTests {
    let topology: Topology
    let document: JSONValue

    init() throws {
        topology = try Topology.load(from: repositoryTopology)
        document = try AsyncAPIDocument.make(from: topology)
    }

    @Test func theCommittedDocumentIsTheOneTopologyMakes() throws {
        let committed = try String(
            contentsOf: repositoryTopology.deletingLastPathComponent().appendingPathComponent("docs/asyncapi.json"), encoding: .utf8)
        #expect(
            try AsyncAPIDocument.text(from: topology) == committed,
            "docs/asyncapi.json is not what Topology/ makes: run `swift run remit topology asyncapi -o docs/asyncapi.json`")
    }

    @Test func everyPublicCommandIsSentAndAnsweredAndNothingElseIs() throws {
        let operations = try #require(document["operations"]?.objectValue)
        #expect(Set(operations.keys) == ["sendInvoicePay", "sendInvoiceRequest", "receiveReply"])
        for (command, key) in [("invoice.pay", "invoice-pay"), ("invoice.request", "invoice-request")] {
            let channel = try #require(document["channels"]?[key])
            #expect(channel["address"]?.stringValue == command)
            #expect(channel["bindings"]?["amqp"]?["exchange"]?["name"]?.stringValue == topology.workers.exchange)
            #expect(channel["messages"]?.objectValue?.keys.sorted() == ["\(key)-v1"])
        }
        let send = try #require(operations["sendInvoicePay"])
        #expect(send["action"]?.stringValue == "send")
        #expect(send["reply"]?["messages"]?.arrayValue?.first?["$ref"]?.stringValue == "#/channels/reply/messages/remit-reply-v1")
        #expect(
            document["components"]?["messages"]?.objectValue?.keys.sorted() == ["invoice-pay-v1", "invoice-request-v1", "remit-reply-v1"])
    }

    /// What a producer copies from the document is what a worker accepts: every example is a whole
    /// envelope that passes the check a worker makes and decodes into the worker's type.
    @Test func everyExampleIsAnEnvelopeAWorkerAccepts() throws {
        let validator = MessageValidator(topology: topology)
        let messages = try #require(document["components"]?["messages"]?.objectValue)
        var checked = 0
        for (name, message) in messages.sorted(by: { $0.key < $1.key }) {
            let examples = message["examples"]?.arrayValue ?? []
            #expect(!examples.isEmpty, "\(name) has no example")
            for example in examples {
                let envelope = try #require(example["payload"])
                #expect(validator.violations(envelope: envelope).isEmpty, "\(name): \(validator.violations(envelope: envelope))")
                let decoded = try DecodedEnvelope.decode(envelope, bodyTypes: .remit)
                guard case .decoded(let body) = decoded.body else {
                    Issue.record("\(name): \(decoded.body)")
                    continue
                }
                #expect(
                    AsyncAPIDocument.identifier(decoded.header.type) + "-v\(decoded.header.version)" == name
                        && type(of: body).messageType == decoded.header.type)
                checked += 1
            }
        }
        #expect(checked == 6)
    }

    /// The payload schema is the envelope schema with the type fixed and the body's schema in
    /// place; the shared money definition comes along once.
    @Test func payloadsFixTheTypeAndCarryTheBodySchema() throws {
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        let pay = try #require(schemas["invoice-pay-v1"])
        #expect(pay["properties"]?["type"]?["const"]?.stringValue == "invoice.pay")
        #expect(pay["properties"]?["version"]?["const"] == .integer(1))
        #expect(pay["properties"]?["body"]?["$ref"]?.stringValue == "#/components/schemas/invoice-pay-v1-body")
        #expect(schemas["invoice-pay-v1-body"]?["properties"]?["amount"]?["$ref"]?.stringValue == "#/components/schemas/money")
        #expect(schemas["money"]?["properties"]?["amount"]?["pattern"] != nil)
        let text = try AsyncAPIDocument.text(from: topology)
        #expect(!text.contains("money.schema.json") && !text.contains("$defs") && !text.contains("$schema"))
    }
}
