import Foundation
import Testing
@testable import RemitCore

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
}
