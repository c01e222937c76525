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

/// (b) the worker runtime with the smoke handler: one insert + the inbox record + one follow-up.
struct Worker: AsyncParsableCommand {
    @OptionGroup var options: BenchOptions
    @Option var dataDir = "var/bench"
    @Option var consumers = 1

    func run() async throws {
        let topology = try options.topology
        try? FileManager.default.removeItem(atPath: dataDir)
        let store = try ChannelStore(dataDirectory: dataDir)
        let runtime = WorkerRuntime(
            kind: try topology.kind(named: "smoke"), topology: topology, amqp: try options.amqp,
            handler: SmokeRecordHandler(), store: store, clock: SystemWallClock(),
            settings: .init(consumers: consumers, prefetch: options.prefetch, batchSize: options.batchSize),
            logger: benchLogger)
        let start = Measurement.start()
        let task = Task { try await runtime.run() }
        var lastReport = ContinuousClock.now
        while runtime.appliedMessages < options.count {
            try await Task.sleep(for: .milliseconds(5))
            if ContinuousClock.now - lastReport > .seconds(2) {
                lastReport = .now
                FileHandle.standardError.write(Data("  \(runtime.appliedMessages)/\(options.count) applied\n".utf8))
            }
        }
        start.report(mode: "worker", messages: options.count)
        await runtime.drain()
        try await task.value
    }
}
