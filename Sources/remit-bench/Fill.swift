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

struct Fill: AsyncParsableCommand {
    @OptionGroup var options: BenchOptions
    @Option(help: "Size of each message body in bytes") var size = 512

    func run() async throws {
        let topology = try options.topology
        let producer = Producer(topology: topology)
        try await AMQPConnection.withConnection(try options.amqp, logger: benchLogger) { connection in
            var batch: [OutboundMessage] = []
            for index in 0..<options.count {
                let probe = try producer.prepare(type: "smoke.record", body: Self.body(index, payload: ""), actingUser: "system:bench")
                let padding = max(0, size - probe.outbound.body.count)
                let message = try producer.prepare(
                    type: "smoke.record", body: Self.body(index, payload: String(repeating: "x", count: padding)),
                    actingUser: "system:bench", messageId: probe.message.messageId)
                batch.append(message.outbound)
                if batch.count == 1000 {
                    try await connection.publish(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try await connection.publish(batch)
        }
    }

    static func body(_ index: Int, payload: String) -> JSONValue {
        .object([
            "key": .string("bench-\(index)"), "payload": .string(payload),
            "amount": .object(["amount": .string("\(index % 1000).50"), "currency": .string("EUR")]),
        ])
    }
}
