import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

/// The repository's own Topology/ directory.
let repositoryTopology = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Topology")

@Suite("Topology files")
struct TopologyTests {
    @Test func theRepositoryTopologyIsConsistent() throws {
        let topology = try Topology.load(from: repositoryTopology)
        #expect(!topology.workers.kinds.isEmpty)
        for kind in topology.workers.kinds {
            #expect(topology.queue(named: kind.queue)?.arguments["x-queue-type"] == .string("quorum"))
            for retry in kind.retryQueues { #expect(topology.retryDelayMilliseconds(queue: retry) != nil) }
        }
        #expect(topology.schemas[.init(type: "smoke.record", version: 1)] != nil)
    }

    @Test func everyRetryTierIsLongerThanTheOneBefore() throws {
        let topology = try Topology.load(from: repositoryTopology)
        for kind in topology.workers.kinds {
            let delays = kind.retryQueues.compactMap { topology.retryDelayMilliseconds(queue: $0) }
            #expect(delays == delays.sorted() && Set(delays).count == delays.count, "\(kind.name): \(delays)")
        }
    }

    @Test func inconsistenciesAreListedTogether() throws {
        var topology = try Topology.load(from: repositoryTopology)
        topology.definitions.queues.removeAll { $0.name == "remit.smoke.dead" }
        let index = topology.definitions.queues.firstIndex { $0.name == "remit.smoke" }!
        topology.definitions.queues[index].arguments["x-delivery-limit"] = nil
        topology.definitions.bindings.removeAll { $0.routingKey == "smoke.record" }
        let problems = topology.consistencyProblems()
        #expect(problems.contains { $0.contains("dead-letter queue 'remit.smoke.dead' is not declared") })
        #expect(problems.contains { $0.contains("needs x-delivery-limit") })
        #expect(problems.contains { $0.contains("no binding routes 'smoke.record'") })
    }

    @Test func exportPutsEveryObjectInTheTargetVhost() throws {
        let exported = try Topology.load(from: repositoryTopology).definitions.forVhost("shop-1", user: "shop")
        #expect(exported.vhosts?.map(\.name) == ["shop-1"])
        #expect(exported.permissions == [PermissionDefinition(user: "shop", vhost: "shop-1", configure: ".*", write: ".*", read: ".*")])
        #expect(exported.queues.allSatisfy { $0.vhost == "shop-1" })
        #expect(exported.exchanges.allSatisfy { $0.vhost == "shop-1" })
        #expect(exported.bindings.allSatisfy { $0.vhost == "shop-1" })
    }

    @Test func validatorNamesUnknownTypesAndBadBodies() throws {
        let validator = MessageValidator(topology: try Topology.load(from: repositoryTopology))
        #expect(validator.violations(body: .object([:]), type: "no.such")[0].contains("unknown message type 'no.such'"))
        let body = try JSONValue.parse(Data(#"{"key":"k","amount":{"amount":12.5,"currency":"EUR"}}"#.utf8))
        #expect(validator.violations(body: body, type: "smoke.record") == ["body.amount.amount: expected string, found number"])
    }

    /// Schemas another change owns, left out of the check below until it tightens them.
    static let schemasNotYetTightened: Set<String> = ["channel.customers.changed.v1.json"]

    @Test func everySchemaClosesItsObjectsAndBoundsItsStrings() throws {
        let directory = repositoryTopology.appendingPathComponent(Topology.schemasDirectory)
        var problems: [String] = []
        func inspect(_ schema: JSONValue, path: String) {
            guard case .object(let rules) = schema else { return }
            let types = Set((rules["type"]?.arrayValue ?? rules["type"].map { [$0] } ?? []).compactMap(\.stringValue))
            // The envelope's body is closed by each message type's own schema.
            if types.contains("object"), rules["additionalProperties"] != .bool(false), path != "envelope.schema.json/properties/body" {
                problems.append("\(path): an object without additionalProperties: false")
            }
            if types.contains("string"), rules["maxLength"] == nil, rules["enum"] == nil {
                problems.append("\(path): a string without maxLength")
            }
            for (name, property) in rules["properties"]?.objectValue ?? [:] { inspect(property, path: "\(path)/properties/\(name)") }
            for (name, definition) in rules["$defs"]?.objectValue ?? [:] { inspect(definition, path: "\(path)/$defs/\(name)") }
            if let items = rules["items"] { inspect(items, path: "\(path)/items") }
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        where !Self.schemasNotYetTightened.contains(file) {
            inspect(try JSONValue.parse(Data(contentsOf: directory.appendingPathComponent(file))), path: file)
        }
        #expect(problems.isEmpty, "\(problems)")
    }
}
