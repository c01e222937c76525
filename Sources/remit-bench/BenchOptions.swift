import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitStore
import RemitWorkers

struct BenchOptions: ParsableArguments {
    @Option(help: "Broker URL") var amqpURL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    @Option(help: "Topology directory") var topologyDir = "Topology"
    @Option(help: "Messages") var count = 50_000
    @Option(help: "Prefetch per consumer") var prefetch = 1000
    @Option(help: "Deliveries per batch") var batchSize = 500

    var amqp: AMQPConfiguration { get throws { try AMQPConfiguration(url: amqpURL) } }
    var topology: Topology { get throws { try Topology.load(from: URL(fileURLWithPath: topologyDir)) } }
}
