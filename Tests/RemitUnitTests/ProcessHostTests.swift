import Foundation
import RemitClient
import RemitCore
import RemitMessages
import Testing

@testable import RemitOperations

@Suite("The host a process stands for, and remit status's count per host")
struct ProcessHostTests {
    @Test func hostsAreReadBackFromControlQueuesAndConsumerTagsEvenWithHyphensAndDots() throws {
        let host = try ProcessHost("vm-01.eu-west")
        #expect(ProcessHost.host(ofControlQueue: host.controlQueue) == "vm-01.eu-west")
        #expect(
            ProcessHost.host(ofConsumerTag: host.consumerTag(kind: "payment-posting", index: 3), kind: "payment-posting") == "vm-01.eu-west"
        )
        #expect(ProcessHost.host(ofConsumerTag: host.consumerTag(kind: "payment-posting", index: 3), kind: "smoke") == nil)
        #expect(ProcessHost.host(ofConsumerTag: "amq.ctag-XYZ", kind: "smoke") == nil)
        #expect(ProcessHost.host(ofConsumerTag: "remit-smoke-1-2", kind: "smoke") == nil, "no host between kind and pid")
        #expect(ProcessHost.host(ofControlQueue: "remit.control.host") == nil)
        #expect(ProcessHost.host(ofControlQueue: "remit.control.") == nil)
        #expect(ProcessHost.host(ofControlQueue: "remit.control.a.") == nil)
        #expect(ProcessHost.host(ofControlQueue: "remit.scale.reply.x.1") == nil)
    }

    @Test func aBadHostNameIsAClearErrorAndTheMachinesNameIsTheDefault() throws {
        for bad in ["", "has space", "slash/y", String(repeating: "h", count: 65), "née"] {
            #expect(throws: ConfigurationError.self) { try ProcessHost(bad) }
        }
        let unset = try RemitConfiguration(flags: [:], environment: [:], configFile: nil)
        #expect(try unset.processHost() == .local)
        #expect(!ProcessHost.local.name.isEmpty && ProcessHost.local.name.count <= 64)
        let set = try RemitConfiguration(flags: [:], environment: ["REMIT_HOST_NAME": "host-b"], configFile: nil)
        #expect(try set.processHost().name == "host-b")
        let wrong = try RemitConfiguration(flags: [.hostName: "a b"], environment: [:], configFile: nil)
        #expect(throws: ConfigurationError.self) { try wrong.processHost() }
    }

    @Test func statusCountsProcessesAndConsumersPerHost() throws {
        let topology = try Topology.load(from: repositoryTopology)
        func queue(_ name: String, consumers: Int) -> JSONValue {
            .object(["name": .string(name), "consumers": .integer(Int64(consumers))])
        }
        func consumer(_ tag: String, _ queue: String) -> JSONValue {
            .object(["consumer_tag": .string(tag), "queue": .object(["name": .string(queue)])])
        }
        let cart = try #require(topology.workers.kinds.first { $0.name == "cart-validation" })
        let payments = try #require(topology.workers.kinds.first { $0.name == "payment-posting" })
        let hosts = PipelineStatus.hosts(
            queues: [
                queue("remit.control.host-a.100", consumers: 1), queue("remit.control.host-a.101", consumers: 1),
                queue("remit.control.host-b.7", consumers: 1), queue("remit.control.gone.9", consumers: 0), queue(cart.queue, consumers: 3),
            ],
            consumers: [
                consumer("remit-cart-validation-host-a-100-0", cart.queue), consumer("remit-cart-validation-host-b-7-0", cart.queue),
                consumer("remit-payment-posting-host-a-101-0", payments.queue),
                consumer("remit-payment-posting-host-a-101-1", payments.queue), consumer("amq.ctag-1", payments.queue),
                consumer("remit-smoke-host-a-1-0", "some.other.queue"),
            ],
            topology: topology)
        #expect(
            hosts == [
                .init(name: PipelineStatus.unnamedHost, processes: 0, consumers: ["payment-posting": 1]),
                .init(name: "host-a", processes: 2, consumers: ["cart-validation": 1, "payment-posting": 2]),
                .init(name: "host-b", processes: 1, consumers: ["cart-validation": 1]),
            ])
    }
}
