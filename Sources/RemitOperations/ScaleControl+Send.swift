import Foundation
import Logging
import RemitAMQP
import RemitClient

extension ScaleControl {
    /// Sends `counts` to every running worker process and collects their answers: until `expected`
    /// processes answered (when known, e.g. from the management API's control queues), else until
    /// `wait` passed.
    public static func send(
        _ counts: ConsumerCounts, amqp: AMQPConfiguration, expected: Int?, wait: Duration, logger: Logger
    ) async throws -> [Reply] {
        try await AMQPConnection.withConnection(amqp.named("remit scale"), logger: logger) { connection in
            let replyQueue = "remit.scale.reply.\(UUID().uuidString.lowercased())"
            try await connection.declare(
                QueueDeclaration(
                    name: replyQueue, durable: false, exclusive: true, autoDelete: true, arguments: ["x-queue-type": .string("classic")]))
            let consumer = try await connection.consume(queue: replyQueue, prefetch: 100)
            let correlation = UUID().uuidString.lowercased()
            do {
                try await connection.publish(
                    OutboundMessage(
                        exchange: exchange, routingKey: "", body: Array(try JSONEncoder().encode(Request(counts))),
                        properties: .init(
                            contentType: "application/json", correlationId: correlation, replyTo: replyQueue, type: requestType,
                            persistent: false)))
            } catch let error as AMQPError where error.code == .unroutable {
                throw NoProcess()
            }
            var replies: [Reply] = []
            let deadline = ContinuousClock.now + wait
            while expected.map({ replies.count < $0 }) ?? true, ContinuousClock.now < deadline {
                for delivery in try await consumer.deliveries.nextBatch(until: deadline) {
                    try await connection.ack(delivery.deliveryTag)
                    guard delivery.properties.correlationId == correlation,
                        let reply = try? JSONDecoder().decode(Reply.self, from: Data(delivery.body))
                    else { continue }
                    replies.append(reply)
                }
            }
            try? await consumer.cancel()
            return replies.sorted { $0.process < $1.process }
        }
    }
}
