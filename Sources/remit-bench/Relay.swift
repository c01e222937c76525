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

/// (a) consume → publish the follow-up with confirms → ack, on the AMQP module alone.
struct Relay: AsyncParsableCommand {
    @OptionGroup var options: BenchOptions
    @Option var from = "remit.smoke"
    @Option(help: "Queue the follow-ups go to (through the default exchange)") var to = "remit.smoke.audit"
    @Option(help: "Publish follow-ups on this exchange with routing key --routing-key instead") var exchange: String?
    @Option var routingKey = "smoke.recorded"

    func run() async throws {
        let start = Measurement.start()
        let count = options.count
        try await AMQPConnection.withConnection(try options.amqp, logger: benchLogger) { connection in
            let consumer = try await connection.consume(queue: from, prefetch: UInt16(options.prefetch))
            var relayed = 0
            while relayed < count {
                let batch = try await consumer.deliveries.nextBatch(limit: options.batchSize)
                try await connection.publish(
                    batch.map {
                        OutboundMessage(
                            exchange: exchange ?? "", routingKey: exchange == nil ? to : routingKey, body: $0.body,
                            properties: $0.properties)
                    })
                try await connection.ack(batch.last!.deliveryTag, multiple: true)
                relayed += batch.count
            }
            try await consumer.cancel()
        }
        start.report(mode: "relay", messages: count)
    }
}
