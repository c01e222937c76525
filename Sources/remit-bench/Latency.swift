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

/// Publish → row visible in the channel store, at a steady rate: a paced publisher (confirmed
/// publishes, a few per millisecond) and the worker runtime with the smoke handler, while a reader
/// polls channel.sqlite every millisecond — from outside the worker, as the portal would — and
/// notes when each key's row appears. Prints one JSON line with exact percentiles of every message
/// (sorted samples, not a histogram's buckets), in milliseconds.
struct Latency: AsyncParsableCommand {
    @OptionGroup var options: BenchOptions
    @Option var dataDir = "var/bench-latency"
    @Option(help: "Messages per second") var rate = 500
    @Option(help: "Seconds of publishing (after one second of warm-up, not counted)") var seconds = 10
    @Flag(help: "The broker alone: publish → delivery to a plain consumer that acks, no worker, no store")
    var brokerOnly = false

    struct Mismatch: Error, CustomStringConvertible { let description: String }

    /// A smoke worker on a fresh channel store in `dataDir`, and the store's file.
    func smokeWorker(_ topology: Topology) throws -> (WorkerRuntime, String) {
        try? FileManager.default.removeItem(atPath: dataDir)
        let store = try ChannelStore(dataDirectory: dataDir)
        let worker = WorkerRuntime(
            kind: try topology.kind(named: "smoke"), topology: topology, amqp: try options.amqp,
            handler: SmokeRecordHandler(), store: store, clock: SystemWallClock(),
            settings: .init(consumers: 1, prefetch: options.prefetch, batchSize: options.batchSize),
            logger: benchLogger)
        return (worker, store.path)
    }

    func run() async throws {
        guard rate > 0, rate <= 50_000, seconds > 0, seconds <= 600 else {
            throw ValidationError("--rate must be 1…50000 and --seconds 1…600")
        }
        let topology = try options.topology
        let warmUp = rate
        let total = warmUp + rate * seconds
        let sentAt = SentTimes(count: total)
        let observer: Task<[Double], any Error>
        var runtime: WorkerRuntime?
        var worker: Task<Void, any Error>?
        if brokerOnly {
            let amqp = try options.amqp
            let prefetch = UInt16(options.prefetch)
            observer = Task { try await Self.consume(amqp: amqp, prefetch: prefetch, total: total, sentAt: sentAt) }
        } else {
            let (started, path) = try smokeWorker(topology)
            runtime = started
            worker = Task { try await started.run() }
            observer = Task.detached { try Self.observe(store: path, total: total, sentAt: sentAt) }
        }
        // Every message is made (checked and encoded) before the clock starts, so the publisher only
        // publishes.
        let producer = Producer(topology: topology)
        let messages = try (0..<total).map { index in
            try producer.prepare(
                type: "smoke.record", body: Fill.body(index, payload: String(repeating: "x", count: 300)), actingUser: "system:bench"
            ).outbound
        }
        try await AMQPConnection.withConnection(try options.amqp, logger: benchLogger) { connection in
            let start = ContinuousClock.now
            var sent = 0
            while sent < total {
                let due = min(total, Int(Double(rate) * Self.seconds(ContinuousClock.now - start)) + 1)
                if due > sent {
                    let now = ContinuousClock.now
                    for index in sent..<due { sentAt.set(index, now) }
                    try await connection.publish(Array(messages[sent..<due]))
                    sent = due
                }
                try await Task.sleep(for: .microseconds(500))
            }
        }
        let latencies = try await observer.value.dropFirst(warmUp).sorted()
        if let runtime, let worker {
            await runtime.drain()
            try await worker.value
        }
        guard latencies.count == total - warmUp else { throw Mismatch(description: "saw \(latencies.count) of \(total - warmUp) rows") }
        func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        let line = String(
            format: #"{"mode":"%@:%d","rate":%d,"messages":%d,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,"max_ms":%.2f}"#,
            brokerOnly ? "latency-broker" : "latency", rate, rate, latencies.count, percentile(0.5), percentile(0.9), percentile(0.99),
            latencies.last!)
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Polls the store every millisecond until all `total` keys are visible; returns each message's
    /// latency in milliseconds, by index.
    static func observe(store path: String, total: Int, sentAt: SentTimes) throws -> [Double] {
        let reader = try ChannelStore(path: path, readOnly: true)
        var latencies = [Double](repeating: -1, count: total)
        var seen = 0
        var lastRow: Int64 = 0
        let deadline = ContinuousClock.now + .seconds(Double(total) / 100 + 60)
        while seen < total {
            guard ContinuousClock.now < deadline else { throw Mismatch(description: "only \(seen) of \(total) rows appeared") }
            let after = lastRow
            let rows = try reader.read { try $0.channel().storefront.smokeKeys(after: after) }
            let now = ContinuousClock.now
            for (row, key) in rows {
                lastRow = row
                guard let index = Int(key.dropFirst("bench-".count)), index >= 0, index < total, latencies[index] < 0 else { continue }
                latencies[index] = seconds(now - sentAt.get(index)) * 1000
                seen += 1
            }
            if rows.isEmpty { usleep(1000) }
        }
        return latencies
    }

    /// The broker-only observer: a plain consumer that notes when each key is delivered, acking in
    /// batches.
    static func consume(amqp: AMQPConfiguration, prefetch: UInt16, total: Int, sentAt: SentTimes) async throws -> [Double] {
        try await AMQPConnection.withConnection(amqp, logger: benchLogger) { connection in
            let consumer = try await connection.consume(queue: "remit.smoke", prefetch: prefetch)
            var latencies = [Double](repeating: -1, count: total)
            var seen = 0
            while seen < total {
                let batch = try await consumer.deliveries.nextBatch(limit: 500)
                let now = ContinuousClock.now
                for delivery in batch {
                    guard let key = try? JSONReader.read(delivery.body)["body"]?["key"]?.stringValue,
                        let index = Int(key.dropFirst("bench-".count)), index >= 0, index < total, latencies[index] < 0
                    else { continue }
                    latencies[index] = seconds(now - sentAt.get(index)) * 1000
                    seen += 1
                }
                if let last = batch.last { try await connection.ack(last.deliveryTag, multiple: true) }
            }
            try await consumer.cancel()
            return latencies
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
