import Foundation
@testable import RemitOperations
import Testing
@testable import RemitAMQP
@testable import RemitCore
@testable import RemitMessages
@testable import RemitRuntime

@Suite("Topology verifier")
struct TopologyVerifierTests {
    /// `/api/overview` of a one-node broker listening for AMQP on 5672.
    static let overview = try! JSONValue.parse(
        Data(
            #"""
            {"cluster_name": "rabbit@node-a",
             "listeners": [{"node": "rabbit@node-a", "protocol": "amqp", "port": 5672},
                           {"node": "rabbit@node-a", "protocol": "http", "port": 15672}]}
            """#.utf8))

    @Test func theSameBrokerIsNoMismatch() {
        #expect(
            TopologyVerifier.brokerMismatch(
                serverProperties: ["cluster_name": .string("rabbit@node-a")],
                overview: Self.overview, amqpPort: 5672) == nil)
    }

    @Test func anotherClusterIsAMismatch() throws {
        let mismatch = try #require(
            TopologyVerifier.brokerMismatch(
                serverProperties: ["cluster_name": .string("rabbit@node-b")], overview: Self.overview, amqpPort: 5672))
        #expect(mismatch.contains("'rabbit@node-b'") && mismatch.contains("'rabbit@node-a'"))
    }

    @Test func anAMQPPortTheManagementSideDoesNotListenOnIsAMismatch() throws {
        // E.g. a second broker of the same name in another container, published on 5673.
        let mismatch = try #require(
            TopologyVerifier.brokerMismatch(
                serverProperties: ["cluster_name": .string("rabbit@node-a")], overview: Self.overview, amqpPort: 5673))
        #expect(mismatch.contains("port 5672, not on 5673"), "\(mismatch)")
    }

    @Test func aUserNotShownTheListenersIsCheckedByClusterNameAlone() throws {
        // A broker user with only the `management` tag gets no `listeners` in /api/overview.
        let overview = try JSONValue.parse(Data(#"{"cluster_name": "rabbit@node-a"}"#.utf8))
        let properties: AMQPTable = ["cluster_name": .string("rabbit@node-a")]
        #expect(TopologyVerifier.brokerMismatch(serverProperties: properties, overview: overview, amqpPort: 5673) == nil)
        #expect(
            TopologyVerifier.brokerMismatch(
                serverProperties: ["cluster_name": .string("rabbit@node-b")], overview: overview, amqpPort: 5672) != nil)
    }

    @Test func anAMQPSConnectionIsMatchedAgainstTheTLSListener() throws {
        let overview = try JSONValue.parse(
            Data(
                #"""
                {"cluster_name": "rabbit@node-a",
                 "listeners": [{"node": "rabbit@node-a", "protocol": "amqp", "port": 5672},
                               {"node": "rabbit@node-a", "protocol": "amqp/ssl", "port": 5671}]}
                """#.utf8))
        let node = ["cluster_name": AMQPValue.string("rabbit@node-a")]
        #expect(TopologyVerifier.brokerMismatch(serverProperties: node, overview: overview, amqpPort: 5671, tls: true) == nil)
        let plainPort = try #require(
            TopologyVerifier.brokerMismatch(serverProperties: node, overview: overview, amqpPort: 5672, tls: true))
        #expect(plainPort.contains("AMQP over TLS on port 5671, not on 5672"), "\(plainPort)")
        #expect(TopologyVerifier.brokerMismatch(serverProperties: node, overview: overview, amqpPort: 5671) != nil)
    }

    @Test func aBrokerThatDoesNotNameItsClusterIsNotVouchedFor() {
        #expect(TopologyVerifier.brokerMismatch(serverProperties: [:], overview: Self.overview, amqpPort: 5672) != nil)
    }

    @Test func policiesAreMatchedByPatternAndApplyTo() throws {
        let verifier = TopologyVerifier(
            topology: try Topology.load(from: repositoryTopology),
            management: BrokerManagement(baseURL: URL(string: "http://127.0.0.1:15672")!, user: "u", password: "p"))
        func policy(_ pattern: String, _ applyTo: String) -> JSONValue {
            .object([
                "name": .string("p"), "pattern": .string(pattern), "apply-to": .string(applyTo),
                "definition": .object(["max-length": .integer(10)]),
            ])
        }
        let onExchanges = try #require(verifier.describe(policy: policy(#"^remit\.dead"#, "exchanges"), kind: "policy"))
        #expect(onExchanges.hasSuffix("sets max-length on exchange 'remit.dead-letters'"), "\(onExchanges)")
        #expect(verifier.describe(policy: policy(#"^remit\.smoke$"#, "exchanges"), kind: "policy") == nil)
        #expect(
            verifier.describe(policy: policy(#"^remit\.smoke$"#, "classic_queues"), kind: "policy") == nil,
            "remit.smoke is a quorum queue")
        let onAll = try #require(verifier.describe(policy: policy(".*", "all"), kind: "operator policy"))
        #expect(
            onAll.contains("on queues 'remit.smoke', ") && onAll.contains(" more and exchanges 'remit', 'remit.dead-letters'"),
            "\(onAll)")
    }
}
