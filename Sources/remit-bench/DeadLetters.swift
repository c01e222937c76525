import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitWorkers

/// Dead letters at volume: `count` malformed smoke records dead-lettered by the worker runtime,
/// collected into the operations store, then all replayed (re-published with confirms, each deleted
/// after its confirm). One JSON line per step; the checks fail the run when a count is off.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dead-letters")
    @OptionGroup var options: BenchOptions
    @Option var dataDir = "var/bench-dead-letters"

    struct Mismatch: Error, CustomStringConvertible { let description: String }

    func run() async throws {
        let topology = try options.topology
        let amqp = try options.amqp
        let count = options.count
        try? FileManager.default.removeItem(atPath: dataDir)
        try await AMQPConnection.withConnection(amqp, logger: benchLogger) { connection in
            for start in stride(from: 0, to: count, by: 1000) {
                try await connection.publish(
                    (start..<min(start + 1000, count)).map { index in
                        OutboundMessage(
                            exchange: topology.workers.exchange, routingKey: "smoke.record", body: Array("not json \(index)".utf8),
                            properties: .init(messageId: "dead-\(index)", type: "smoke.record"))
                    })
            }
        }
        let runtime = WorkerRuntime(
            kind: try topology.kind(named: "smoke"), topology: topology, amqp: amqp, handler: SmokeRecordHandler(),
            store: try ChannelStore(dataDirectory: dataDir), clock: SystemWallClock(),
            settings: .init(consumers: 1, prefetch: options.prefetch, batchSize: options.batchSize), logger: benchLogger)
        var measured = Measurement.start()
        let task = Task { try await runtime.run() }
        while runtime.settledMessages < count { try await Task.sleep(for: .milliseconds(5)) }
        measured.report(mode: "dead-letter", messages: count)
        await runtime.drain()
        try await task.value

        let operations = try OperationsStores.open(dataDirectory: dataDir)
        measured = Measurement.start()
        let collected = try await DeadLetterCollector(
            topology: topology, amqp: amqp, store: operations, clock: SystemWallClock(), logger: benchLogger
        ).collect()
        guard collected == ["remit.smoke.dead": count] else { throw Mismatch(description: "collected \(collected)") }
        measured.report(mode: "collect", messages: count)

        measured = Measurement.start()
        let summary = try await DeadLetterReplayer(
            topology: topology, amqp: amqp, store: operations, clock: SystemWallClock(), logger: benchLogger
        ).replay(.init(filter: DeadLetterFilter(), described: "bench: all", actor: "bench"))
        guard summary.replayed == count else { throw Mismatch(description: "replayed \(summary.replayed) of \(count)") }
        measured.report(mode: "replay", messages: count)
        let (left, requeued) = try await (
            operations.readOperations { try $0.deadLetters.count(DeadLetterFilter()) },
            AMQPConnection.withConnection(amqp, logger: benchLogger) { try await $0.inspectQueue("remit.smoke").messageCount }
        )
        guard left == 0, requeued == count else {
            throw Mismatch(description: "\(left) dead letters left in the store, \(requeued) of \(count) back in remit.smoke")
        }
    }
}
