import ArgumentParser
import Foundation
import GRDB
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

/// The pieces `scripts/bench` runs: fill a backlog, drain it through a relay on the AMQP module or
/// through the worker runtime. Each drain prints one JSON line: messages, seconds, msg/s, CPU
/// seconds per 1,000 messages and peak RSS of this process.
@main
struct RemitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remit-bench",
        abstract: "Benchmark pieces for scripts/bench.",
        subcommands: [Fill.self, Relay.self, Worker.self, Latency.self, Codec.self, DeadLetters.self]
    )
}

struct BenchOptions: ParsableArguments {
    @Option(help: "Broker URL") var amqpURL = "amqp://guest:guest@127.0.0.1:5672/%2F"
    @Option(help: "Topology directory") var topologyDir = "Topology"
    @Option(help: "Messages") var count = 50_000
    @Option(help: "Prefetch per consumer") var prefetch = 1000
    @Option(help: "Deliveries per batch") var batchSize = 500

    var amqp: AMQPConfiguration { get throws { try AMQPConfiguration(url: amqpURL) } }
    var topology: Topology { get throws { try Topology.load(from: URL(fileURLWithPath: topologyDir)) } }
}

let benchLogger: Logger = {
    var logger = Logger(label: "remit.bench")
    logger.logLevel = .warning
    return logger
}()

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

        let operations = try OperationsStore(dataDirectory: dataDir)
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
            operations.pool.read { try DeadLetter.ids($0, DeadLetterFilter(), limit: nil).count },
            AMQPConnection.withConnection(amqp, logger: benchLogger) { try await $0.inspectQueue("remit.smoke").messageCount }
        )
        guard left == 0, requeued == count else {
            throw Mismatch(description: "\(left) dead letters left in the store, \(requeued) of \(count) back in remit.smoke")
        }
    }
}

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
            try? FileManager.default.removeItem(atPath: dataDir)
            let store = try ChannelStore(dataDirectory: dataDir)
            let started = WorkerRuntime(
                kind: try topology.kind(named: "smoke"), topology: topology, amqp: try options.amqp,
                handler: SmokeRecordHandler(), store: store, clock: SystemWallClock(),
                settings: .init(consumers: 1, prefetch: options.prefetch, batchSize: options.batchSize),
                logger: benchLogger)
            runtime = started
            worker = Task { try await started.run() }
            observer = Task.detached { try Self.observe(store: store.path, total: total, sentAt: sentAt) }
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
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: path, configuration: configuration)
        var latencies = [Double](repeating: -1, count: total)
        var seen = 0
        var lastRow: Int64 = 0
        let deadline = ContinuousClock.now + .seconds(Double(total) / 100 + 60)
        while seen < total {
            guard ContinuousClock.now < deadline else { throw Mismatch(description: "only \(seen) of \(total) rows appeared") }
            let rows = try reader.read { db in
                try Row.fetchAll(db, sql: "SELECT rowid, key FROM smoke_record WHERE rowid > ? ORDER BY rowid", arguments: [lastRow])
            }
            let now = ContinuousClock.now
            for row in rows {
                lastRow = row[0]
                let key: String = row[1]
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

/// Publish instants by message index, written by the publisher and read by the observer thread.
final class SentTimes: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var times: [ContinuousClock.Instant]

    init(count: Int) { times = Array(repeating: .now, count: count) }

    func set(_ index: Int, _ instant: ContinuousClock.Instant) { lock.withLock { times[index] = instant } }
    func get(_ index: Int) -> ContinuousClock.Instant { lock.withLock { times[index] } }
}

struct Measurement {
    let wall: ContinuousClock.Instant
    let cpu: Double

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func start() -> Measurement { Measurement(wall: .now, cpu: cpuSeconds()) }

    /// Private (heap and stack) memory resident now; the rest of RSS is shared code pages.
    static func anonymousResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return -1 }
        return kilobytes / 1024
    }

    func report(mode: String, messages: Int) {
        let elapsed = ContinuousClock.now - wall
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let cpu = Measurement.cpuSeconds() - self.cpu
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let line = String(
            format:
                #"{"mode":"%@","messages":%d,"seconds":%.3f,"msg_per_s":%.0f,"cpu_s_per_1000":%.4f,"peak_rss_mb":%.1f,"anon_rss_mb":%.1f}"#,
            mode, messages, seconds, Double(messages) / seconds, cpu / Double(messages) * 1000,
            Double(usage.ru_maxrss) / 1024, Measurement.anonymousResidentMegabytes())
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// Per-message costs of the codec steps the worker runs, in microseconds, without broker or disk.
struct Codec: AsyncParsableCommand {
    @Option var iterations = 20_000

    func run() async throws {
        let producer = Producer(topology: try Topology.load(from: URL(fileURLWithPath: "Topology")))
        let body: JSONValue = .object([
            "key": .string("bench-1"), "payload": .string(String(repeating: "x", count: 330)),
            "amount": .object(["amount": .string("12.50"), "currency": .string("EUR")]),
        ])
        let data = Data(try producer.prepare(type: "smoke.record", body: body, actingUser: "system:bench").outbound.body)
        let types = MessageBodyTypes([SmokeRecord.self])
        func time(_ label: String, _ step: () throws -> Void) rethrows {
            let start = ContinuousClock.now
            for _ in 0..<iterations { try step() }
            let elapsed = ContinuousClock.now - start
            let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations)
            print(String(format: "%-34@ %8.2f µs", label as NSString, micros))
        }
        print("message: \(data.count) bytes")
        // The worker's steps, one by one, then Foundation's decoder for comparison.
        var json: JSONValue = .null
        try time("read JSON (JSONReader)") { json = try JSONReader.read(data) }
        let validator = MessageValidator(topology: producer.topology)
        var problems: [String] = []
        time("schema check (envelope + body)") { problems = validator.violations(envelope: json) }
        guard problems.isEmpty else { throw ValidationError("schema: \(problems)") }
        var decoded: DecodedEnvelope?
        try time("typed decode from the tree") { decoded = try DecodedEnvelope.decode(json, bodyTypes: types) }
        try time("read + decode from bytes") { decoded = try DecodedEnvelope.decode(data, bodyTypes: types) }
        try time("Foundation JSONDecoder (compare)") { _ = try JSONDecoder().decode(Envelope<SmokeRecord>.self, from: data) }
        guard case .decoded(let record as SmokeRecord) = decoded!.body else { throw ValidationError("did not decode") }
        let header = decoded!.header
        let recorded = SmokeRecorded(key: record.key, amount: record.amount, recordId: 42)
        try time("encode follow-up envelope") {
            _ = try OutgoingMessage(header.followUp(recorded, key: record.key, occurredAt: Date()))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-codec-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try ChannelStore(dataDirectory: directory)
        let handler = SmokeRecordHandler()
        let followUp = try OutgoingMessage(header.followUp(recorded, key: record.key, occurredAt: Date()))
        var counter = 0
        func message() -> IncomingMessage {
            counter += 1
            var h = header
            h.id = "m-\(counter)"
            var r = record
            r.key = "k-\(counter)"
            return IncomingMessage(header: h, body: r, attempt: 1, receivedAt: Date())
        }
        let batches = iterations / 100
        let savedIterations = iterations
        func timeBatches(_ label: String, _ step: @escaping @Sendable (any StoreTransaction, IncomingMessage) throws -> Void) throws {
            var messages: [[IncomingMessage]] = []
            for _ in 0..<batches { messages.append((0..<100).map { _ in message() }) }
            let start = ContinuousClock.now
            for batch in messages {
                try store.write { transaction in for m in batch { try step(transaction, m) } }
            }
            let elapsed = ContinuousClock.now - start
            let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(batches * 100)
            print(String(format: "%-34@ %8.2f µs", label as NSString, micros))
        }
        _ = savedIterations
        try timeBatches("store: inbox lookup") { transaction, m in
            _ = try transaction.inbox.applied(consumer: "smoke", messageId: m.header.id)
        }
        try timeBatches("store: savepoint only") { transaction, _ in try transaction.savepoint {} }
        try timeBatches("store: inbox record") { transaction, m in
            try transaction.inbox.record(
                InboxRecord(consumer: "smoke", header: m.header, contentDigest: m.header.id, processedAt: Date(), followUps: [followUp]))
        }
        try timeBatches("store: smoke handler (incl. encode)") { transaction, m in
            let context = HandlerContext(logger: benchLogger, now: m.receivedAt, attempt: 1, header: m.header)
            _ = try handler.handle(m, context: context, in: transaction)
        }
        time("deterministic id") { _ = DeterministicID.make(from: header.id, "smoke.recorded", record.key) }
        time("timestamp format") { _ = Timestamp.format(Date()) }
        time("timestamp parse") { _ = Timestamp.parse("2026-11-29T10:15:00.123Z") }
    }
}
