import Benchmark
import Foundation
import Logging
import RemitClient
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitWorkers

// The worker's per-message steps (the codec), its inbox, and its batch step, each measured alone
// with no broker. `scripts/benchmarks/micro.sh` runs them and compares them with the baseline in
// `.benchmarkBaselines/RemitMicro/remit`: allocation counts are checked, times are only shown
// (a shared 2-core machine makes them too noisy to gate on).

let benchmarks: @Sendable () -> Void = {
    let codec: CodecFixture
    do { codec = try CodecFixture() } catch { fatalError("micro-benchmark fixtures: \(error)") }

    // Codec steps take microseconds: each iteration runs a step 1,000 times (figures are per step).
    // Their allocation counts are exact, and under 40 per step: any extra allocation fails the check.
    let codecConfiguration = MicroConfiguration.make(
        scalingFactor: .kilo, maxIterations: 100,
        mallocs: BenchmarkThresholds(relative: [.p25: 1, .p50: 1, .p75: 1]))
    // Store steps: each iteration is one write transaction of 100 messages (figures per transaction).
    // SQLite's page cache and WAL make their counts move by a few dozen between iterations and runs;
    // 50 is half an allocation per message, so one more per message fails the check.
    let storeConfiguration = MicroConfiguration.make(
        scalingFactor: .one, maxIterations: 100,
        mallocs: BenchmarkThresholds(absolute: [.p25: 50, .p50: 50, .p75: 50]))

    // MARK: the codec, in the order the worker runs it for each delivery

    Benchmark("codec: read JSON into a tape, smoke.record", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONReader.tape(codec.smokeBytes)) }
    }
    Benchmark("codec: read JSON into a tape, payment.post", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONReader.tape(codec.paymentBytes)) }
    }
    Benchmark("codec: schema check, smoke.record", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(codec.validator.violations(envelope: codec.smokeTape)) }
    }
    Benchmark("codec: schema check, payment.post", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(codec.validator.violations(envelope: codec.paymentTape)) }
    }
    Benchmark("codec: typed decode, smoke.record", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try DecodedEnvelope.decode(codec.smokeTape, bodyTypes: codec.smokeTypes))
        }
    }
    Benchmark("codec: typed decode, payment.post", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try DecodedEnvelope.decode(codec.paymentTape, bodyTypes: codec.paymentTypes))
        }
    }
    // A first sync's message: 100 invoices with their payments, lines and settlements (≈ 55 KB,
    // scripts/benchmarks/fixtures/channel-invoices-100.json, as hq-distribution sent it).
    let largeConfiguration = MicroConfiguration.make(
        scalingFactor: .one, maxIterations: 200, mallocs: BenchmarkThresholds(relative: [.p25: 1, .p50: 1, .p75: 1]))
    Benchmark("codec: read JSON into a tape, channel.invoices.changed ×100", configuration: largeConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try JSONReader.tape(codec.invoicesBytes)) }
    }
    Benchmark("codec: schema check, channel.invoices.changed ×100", configuration: largeConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(codec.validator.violations(envelope: codec.invoicesTape)) }
    }
    Benchmark("codec: typed decode, channel.invoices.changed ×100", configuration: largeConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try DecodedEnvelope.decode(codec.invoicesTape, bodyTypes: .remit)) }
    }
    Benchmark("codec: content digest (SHA-256)", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(ContentDigest.sha256(codec.smokeBytes)) }
    }
    Benchmark("codec: encode follow-up envelope", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(
                try OutgoingMessage(
                    codec.smokeHeader.followUp(codec.recorded, key: codec.smokeRecord.key, occurredAt: codec.now)))
        }
    }
    Benchmark("codec: deterministic id", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(DeterministicID.make(from: codec.smokeHeader.id, SmokeRecorded.messageType, codec.smokeRecord.key))
        }
    }
    Benchmark("codec: timestamp format", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Timestamp.format(codec.now)) }
    }
    Benchmark("codec: timestamp parse", configuration: codecConfiguration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(Timestamp.parse("2026-11-29T10:15:00.123Z")) }
    }

    // MARK: the inbox, 100 messages per write transaction on a SQLite file

    storeBenchmark("inbox: 100 lookups of new messages", storeConfiguration, codec) { benchmark, store in
        let ids = store.nextIDs(100)
        benchmark.startMeasurement()
        try store.store.write { transaction in
            for id in ids { blackHole(try transaction.inbox.applied(consumer: StoreFixture.consumer, messageId: id)) }
        }
        benchmark.stopMeasurement()
    }
    storeBenchmark("inbox: 100 lookups of applied messages", storeConfiguration, codec) { benchmark, store in
        let ids = store.appliedIDs(100)
        benchmark.startMeasurement()
        try store.store.write { transaction in
            for id in ids { blackHole(try transaction.inbox.applied(consumer: StoreFixture.consumer, messageId: id)) }
        }
        benchmark.stopMeasurement()
    }
    storeBenchmark("inbox: 100 records", storeConfiguration, codec) { benchmark, store in
        let headers = store.nextIDs(100).map { codec.smokeHeader(id: $0) }
        let followUps = [codec.followUp]
        benchmark.startMeasurement()
        try store.store.write { transaction in
            for header in headers {
                try transaction.inbox.record(
                    InboxRecord(
                        consumer: StoreFixture.consumer, header: header, contentDigest: codec.smokeDigest,
                        processedAt: codec.now, followUps: followUps))
            }
        }
        benchmark.stopMeasurement()
    }

    // MARK: the batch step: what the worker does for one batch between receiving and publishing

    // Decoded messages: the inbox check, the handler (one insert, one follow-up envelope) and the
    // inbox record, in one transaction, then the follow-ups addressed for publishing.
    storeBenchmark("batch: 100 smoke.record, decoded", storeConfiguration, codec) { benchmark, store in
        let messages = store.nextIDs(100).map { codec.incomingSmoke(id: $0) }
        benchmark.startMeasurement()
        blackHole(try store.apply(messages.map { ($0, codec.smokeDigest) }, codec: codec))
        benchmark.stopMeasurement()
    }
    // From the delivered bytes: read, schema check, typed decode and digest per message, then the
    // same transaction and addressing.
    storeBenchmark("batch: 100 smoke.record, from bytes", storeConfiguration, codec) { benchmark, store in
        let deliveries = try store.nextIDs(100).map { try codec.smokeDelivery(id: $0) }
        benchmark.startMeasurement()
        var decoded: [(IncomingMessage, String)] = []
        decoded.reserveCapacity(deliveries.count)
        for bytes in deliveries {
            let tape = try JSONReader.tape(bytes)
            guard codec.validator.violations(envelope: tape).isEmpty else { throw FixtureError("schema violation") }
            let envelope = try DecodedEnvelope.decode(tape, bodyTypes: codec.smokeTypes)
            guard case .decoded(let body) = envelope.body else { throw FixtureError("did not decode") }
            decoded.append(
                (
                    IncomingMessage(header: envelope.header, body: body, attempt: 1, receivedAt: codec.now),
                    ContentDigest.sha256(bytes)
                ))
        }
        blackHole(try store.apply(decoded, codec: codec))
        benchmark.stopMeasurement()
    }
}

/// Metrics and check tolerances shared by the benchmarks. No CPU time: on Linux the plugin reads it
/// from /proc in 10 ms ticks, so an iteration shows 0 or 10 ms. Time metrics carry no tolerance,
/// so `baseline check` judges only the allocation counts.
enum MicroConfiguration {
    static let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .mallocCountTotal]

    static func make(
        scalingFactor: BenchmarkScalingFactor, maxIterations: Int, mallocs: BenchmarkThresholds
    )
        -> Benchmark.Configuration
    {
        let unchecked = BenchmarkThresholds.none
        return .init(
            // Whole allocation counts, never rounded to thousands: one more must show.
            metrics: metrics, units: [.mallocCountTotal: .count], warmupIterations: 3, scalingFactor: scalingFactor,
            maxDuration: .seconds(10),
            maxIterations: maxIterations,
            thresholds: [.wallClock: unchecked, .throughput: unchecked, .mallocCountTotal: mallocs])
    }
}

/// A benchmark on a fresh channel store of its own, removed when the benchmark ends.
func storeBenchmark(
    _ name: String, _ configuration: Benchmark.Configuration, _ codec: CodecFixture,
    _ body: @escaping (Benchmark, StoreFixture) throws -> Void
) {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("remit-micro-\(getpid())-\(name.filter { $0.isLetter || $0.isNumber })").path
    Benchmark(
        name, configuration: configuration, closure: body,
        setup: { try StoreFixture(directory: directory, codec: codec) },
        teardown: { try? FileManager.default.removeItem(atPath: directory) })
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Realistic messages as a producer publishes them: a smoke.record of about 512 bytes (the runtime
/// benchmark's message), a payment.post and a first sync's channel.invoices.changed, each read once
/// into a tape so steps can start from it.
final class CodecFixture: Sendable {
    let topology: Topology
    let producer: Producer
    let validator: MessageValidator
    let now = Date(timeIntervalSince1970: 1_796_000_000)
    let smokeTypes = MessageBodyTypes([SmokeRecord.self])
    let paymentTypes = MessageBodyTypes([PaymentPost.self])
    let smokeBytes: [UInt8]
    let smokeTape: JSONTape
    let smokeHeader: EnvelopeHeader
    let smokeRecord: SmokeRecord
    let smokeDigest: String
    let recorded: SmokeRecorded
    let followUp: OutgoingMessage
    let paymentBytes: [UInt8]
    let paymentTape: JSONTape
    let invoicesBytes: [UInt8]
    let invoicesTape: JSONTape
    let logger: Logger = {
        var logger = Logger(label: "remit.micro")
        logger.logLevel = .critical
        return logger
    }()

    init() throws {
        // This file is scripts/benchmarks/micro/Benchmarks/RemitMicro/RemitMicro.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        topology = try Topology.load(from: root.appendingPathComponent("Topology"))
        producer = Producer(topology: topology, clock: ManualWallClock(now))
        validator = MessageValidator(topology: topology)

        smokeBytes = try Self.smoke(producer, id: "micro-smoke-1")
        smokeTape = try JSONReader.tape(smokeBytes)
        let smoke = try DecodedEnvelope.decode(smokeTape, bodyTypes: smokeTypes)
        guard case .decoded(let record as SmokeRecord) = smoke.body else { throw FixtureError("smoke.record did not decode") }
        smokeHeader = smoke.header
        smokeRecord = record
        smokeDigest = ContentDigest.sha256(smokeBytes)
        recorded = SmokeRecorded(key: record.key, amount: record.amount, recordId: 42)
        followUp = try OutgoingMessage(smoke.header.followUp(recorded, key: record.key, occurredAt: now))

        let payment: JSONValue = .object([
            "paymentId": .string("micro-pay-1"), "user": .string("buyer-0001"),
            "invoiceNumber": .string("INV-2026-000123"),
            "amount": .object(["amount": .string("125.40"), "currency": .string("EUR")]),
            "tender": .string("card"), "cardAuthorization": .string("psp-micro-1"),
        ])
        paymentBytes =
            try producer.prepare(
                type: PaymentPost.messageType, body: payment, actingUser: "user:buyer-0001", messageId: "micro-payment-1"
            ).outbound.body
        paymentTape = try JSONReader.tape(paymentBytes)
        invoicesBytes = [UInt8](
            try Data(contentsOf: root.appendingPathComponent("scripts/benchmarks/fixtures/channel-invoices-100.json")))
        invoicesTape = try JSONReader.tape(invoicesBytes)
        guard validator.violations(envelope: smokeTape).isEmpty, validator.violations(envelope: paymentTape).isEmpty,
            validator.violations(envelope: invoicesTape).isEmpty,
            case .decoded = try DecodedEnvelope.decode(paymentTape, bodyTypes: paymentTypes).body,
            case .decoded = try DecodedEnvelope.decode(invoicesTape, bodyTypes: .remit).body
        else { throw FixtureError("the fixture messages do not pass the worker's checks") }
    }

    static func smoke(_ producer: Producer, id: String) throws -> [UInt8] {
        let body: JSONValue = .object([
            "key": .string(id), "payload": .string(String(repeating: "x", count: 330)),
            "amount": .object(["amount": .string("12.50"), "currency": .string("EUR")]),
        ])
        return try producer.prepare(type: SmokeRecord.messageType, body: body, actingUser: "system:bench", messageId: id)
            .outbound.body
    }

    func smokeHeader(id: String) -> EnvelopeHeader {
        var header = smokeHeader
        header.id = id
        return header
    }

    func incomingSmoke(id: String) -> IncomingMessage {
        var record = smokeRecord
        record.key = id
        return IncomingMessage(header: smokeHeader(id: id), body: record, attempt: 1, receivedAt: now)
    }

    func smokeDelivery(id: String) throws -> [UInt8] { try Self.smoke(producer, id: id) }
}

/// A channel store in a directory of its own, with 10,000 messages already in its inbox (so look-ups
/// search a real index), and fresh message ids for each iteration.
final class StoreFixture {
    static let consumer = "smoke"
    let store: ChannelStore
    let handler = SmokeRecordHandler()
    private var next = 0
    private let seeded = 10_000

    init(directory: String, codec: CodecFixture) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try ChannelStore(dataDirectory: directory)
        for batch in stride(from: 0, to: seeded, by: 100) {
            try store.write { transaction in
                for index in batch..<batch + 100 {
                    try transaction.inbox.record(
                        InboxRecord(
                            consumer: Self.consumer, header: codec.smokeHeader(id: "seeded-\(index)"),
                            contentDigest: codec.smokeDigest, processedAt: codec.now, followUps: [codec.followUp]))
                }
            }
        }
    }

    /// Ids no message had before.
    func nextIDs(_ count: Int) -> [String] {
        defer { next += count }
        return (next..<next + count).map { "micro-\($0)" }
    }

    /// Ids of messages already in the inbox, taken round-robin.
    func appliedIDs(_ count: Int) -> [String] {
        defer { next += count }
        return (next..<next + count).map { "seeded-\($0 % seeded)" }
    }

    /// The worker's batch transaction (`WorkerRuntime.apply`, fast path): per message the inbox
    /// check, the handler and the inbox record, in one transaction; then each follow-up addressed
    /// for publishing. Returns how many there are to publish.
    func apply(_ messages: [(IncomingMessage, String)], codec: CodecFixture) throws -> Int {
        let handler = self.handler
        let followUps = try store.write { transaction -> [OutgoingMessage] in
            var followUps: [OutgoingMessage] = []
            for (message, digest) in messages {
                if try transaction.inbox.applied(consumer: Self.consumer, messageId: message.header.id) != nil { continue }
                let context = HandlerContext(logger: codec.logger, now: codec.now, attempt: 1, header: message.header)
                let produced = try handler.handle(message, context: context, in: transaction)
                try transaction.inbox.record(
                    InboxRecord(
                        consumer: Self.consumer, header: message.header, contentDigest: digest, processedAt: codec.now,
                        followUps: produced))
                followUps += produced
            }
            return followUps
        }
        let publishes = followUps.map { $0.outbound(on: codec.topology, at: codec.now) }
        blackHole(publishes)
        return publishes.count
    }
}
