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

/// Per-message costs of the codec steps the worker runs, in microseconds, without broker or disk.
struct Codec: AsyncParsableCommand {
    @Option var iterations = 20_000
    @Option(help: "A message's body to time the worker's read, check and decode of, instead of the built-in steps.")
    var message: String?

    func run() async throws {
        let producer = Producer(topology: try Topology.load(from: URL(fileURLWithPath: "Topology")))
        if let message {
            try timeReading([UInt8](try Data(contentsOf: URL(fileURLWithPath: message))), producer.topology)
            return
        }
        let body: JSONValue = .object([
            "key": .string("bench-1"), "payload": .string(String(repeating: "x", count: 330)),
            "amount": .object(["amount": .string("12.50"), "currency": .string("EUR")]),
        ])
        let data = Data(try producer.prepare(type: "smoke.record", body: body, actingUser: "system:bench").outbound.body)
        let types = MessageBodyTypes([SmokeRecord.self])
        print("message: \(data.count) bytes")
        // The worker's steps, one by one, then Foundation's decoder for comparison.
        let bytes = [UInt8](data)
        var tape = try JSONReader.tape(bytes)
        try time("read JSON into a tape") { tape = try JSONReader.tape(bytes) }
        let validator = MessageValidator(topology: producer.topology)
        var problems: [String] = []
        time("schema check (envelope + body)") { problems = validator.violations(envelope: tape) }
        guard problems.isEmpty else { throw ValidationError("schema: \(problems)") }
        var decoded: DecodedEnvelope?
        try time("typed decode from the tape") { decoded = try DecodedEnvelope.decode(tape, bodyTypes: types) }
        try time("read + decode from bytes") { decoded = try DecodedEnvelope.decode(data, bodyTypes: types) }
        try time("Foundation JSONDecoder (compare)") { _ = try JSONDecoder().decode(Envelope<SmokeRecord>.self, from: data) }
        guard case .decoded(let record as SmokeRecord) = decoded!.body else { throw ValidationError("did not decode") }
        let header = decoded!.header
        let recorded = SmokeRecorded(key: record.key, amount: record.amount, recordId: 42)
        try time("encode follow-up envelope") {
            _ = try OutgoingMessage(header.followUp(recorded, key: record.key, occurredAt: Date()))
        }
        try storeSteps(header: header, record: record, recorded: recorded)
        time("deterministic id") { _ = DeterministicID.make(from: header.id, "smoke.recorded", record.key) }
        time("timestamp format") { _ = Timestamp.format(Date()) }
        time("timestamp parse") { _ = Timestamp.parse("2026-11-29T10:15:00.123Z") }
    }

    /// The worker's three steps for one given body, as `decode(_:)` in the runtime runs them.
    func timeReading(_ bytes: [UInt8], _ topology: Topology) throws {
        print("message: \(bytes.count) bytes")
        var tape = try JSONReader.tape(bytes)
        try time("read JSON into a tape") { tape = try JSONReader.tape(bytes) }
        let validator = MessageValidator(topology: topology)
        let problems = validator.violations(envelope: tape)
        guard problems.isEmpty else { throw ValidationError("schema: \(problems)") }
        time("schema check (envelope + body)") { _ = validator.violations(envelope: tape) }
        guard case .decoded = try DecodedEnvelope.decode(tape, bodyTypes: .remit).body else {
            throw ValidationError("the body does not decode")
        }
        try time("typed decode from the tape") { _ = try DecodedEnvelope.decode(tape, bodyTypes: .remit) }
    }

    /// `step` `iterations` times; prints the time per run.
    func time(_ label: String, _ step: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try step() }
        let elapsed = ContinuousClock.now - start
        let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(iterations)
        print(String(format: "%-34@ %8.2f µs", label as NSString, micros))
    }

    /// The store's steps of a batch, in batches of 100 on a fresh channel store.
    func storeSteps(header: EnvelopeHeader, record: SmokeRecord, recorded: SmokeRecorded) throws {
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
    }
}
