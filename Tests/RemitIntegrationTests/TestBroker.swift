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
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let testLogger: Logger = {
    var logger = Logger(label: "remit.tests")
    logger.logLevel = .warning
    return logger
}()

/// A throwaway vhost on the real broker `scripts/test` started (`REMIT_TEST_AMQP_URL`, default the
/// local guest account), with Remit's topology applied, plus a throwaway data directory. Each test
/// gets its own, so tests cannot see each other's messages.
struct TestBroker: Sendable {
    let amqp: AMQPConfiguration
    let management: BrokerManagement
    let topology: Topology
    let dataDirectory: String

    static var baseConfiguration: AMQPConfiguration {
        get throws {
            try AMQPConfiguration(
                url: ProcessInfo.processInfo.environment["REMIT_TEST_AMQP_URL"]
                    ?? "amqp://guest:guest@127.0.0.1:5672/%2F")
        }
    }

    static var baseManagement: BrokerManagement {
        get throws {
            try BrokerManagement(
                amqp: baseConfiguration,
                explicit: ProcessInfo.processInfo.environment["REMIT_TEST_MANAGEMENT_URL"])
        }
    }

    /// Runs `body` with a fresh vhost and data directory, removed afterwards.
    /// - Parameter adjust: changes to the repository topology before it is applied (e.g. short retry TTLs).
    /// - Parameter base: another broker than the test broker (the TLS tests' node): its AMQP
    ///   configuration (any vhost) and management API.
    static func with<T: Sendable>(
        adjust: (inout Topology) -> Void = { _ in },
        apply: Bool = true,
        base: (amqp: AMQPConfiguration, management: BrokerManagement)? = nil,
        _ body: (TestBroker) async throws -> T
    ) async throws -> T {
        let vhost = "remit-test-\(UUID().uuidString.prefix(8).lowercased())"
        let management = try base?.management ?? baseManagement
        try await management.createVhost(vhost)
        var topology = try Topology.load(from: repositoryRoot.appendingPathComponent("Topology"))
        adjust(&topology)
        let dataDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("remit-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let broker = TestBroker(
            amqp: try (base?.amqp ?? baseConfiguration).with(vhost: vhost), management: management,
            topology: topology, dataDirectory: dataDirectory)
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        do {
            if apply {
                _ = try await broker.withConnection { try await TopologyApplier(topology: topology).apply(on: $0) }
            }
            let result = try await body(broker)
            try? await management.deleteVhost(vhost)
            return result
        } catch {
            try? await management.deleteVhost(vhost)
            throw error
        }
    }

    func withConnection<T: Sendable>(_ body: (AMQPConnection) async throws -> T) async throws -> T {
        try await AMQPConnection.withConnection(amqp, logger: testLogger, body)
    }

    var kind: WorkerKindSpec { get throws { try topology.kind(named: "smoke") } }

    func channelStore() throws -> ChannelStore { try ChannelStore(dataDirectory: dataDirectory) }

    /// Publishes smoke.record messages through the producer path (schema-checked, confirmed).
    @discardableResult
    func publishSmoke(count: Int, prefix: String = "k", failAttempts: Int? = nil, payload: String? = nil) async throws -> [String] {
        let producer = Producer(topology: topology)
        var prepared: [Producer.Prepared] = []
        for index in 0..<count {
            var body: [String: JSONValue] = [
                "key": .string("\(prefix)-\(index)"),
                "amount": .object(["amount": .string("\(index).25"), "currency": .string("EUR")]),
            ]
            if let failAttempts { body["failAttempts"] = .integer(Int64(failAttempts)) }
            if let payload { body["payload"] = .string(payload) }
            prepared.append(try producer.prepare(type: "smoke.record", body: .object(body), actingUser: "system:test"))
        }
        try await withConnection { connection in
            for chunk in stride(from: 0, to: prepared.count, by: 500) {
                try await connection.publish(prepared[chunk..<min(chunk + 500, prepared.count)].map(\.outbound))
            }
        }
        return prepared.map(\.message.messageId)
    }

    /// An in-process worker runtime for the smoke kind.
    func smokeRuntime(consumers: Int = 1, prefetch: Int = 50, store: ChannelStore) throws -> WorkerRuntime {
        WorkerRuntime(
            kind: try kind, topology: topology, amqp: amqp,
            handler: SmokeRecordHandler(), store: store, clock: SystemWallClock(),
            settings: .init(consumers: consumers, prefetch: prefetch), logger: testLogger)
    }

    func readyCount(_ queue: String) async throws -> Int {
        try await withConnection { try await $0.inspectQueue(queue).messageCount }
    }

    /// Takes up to `expected` messages off `queue` (acking them), waiting at most `timeout`.
    func drain(_ queue: String, expected: Int, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        try await withConnection { try await drain(queue, expected: expected, timeout: timeout, on: $0) }
    }

    /// As `drain(_:expected:timeout:)`, on `connection` (an exclusive queue is read on the one that declared it).
    func drain(_ queue: String, expected: Int, timeout: Duration = .seconds(30), on connection: AMQPConnection) async throws -> [Delivery] {
        let consumer = try await connection.consume(queue: queue, prefetch: 500)
        var received: [Delivery] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < expected, ContinuousClock.now < deadline {
            // Wait at most 200 ms for the next batch. A batch the waiting task took just as the
            // timer fired is still collected, never dropped unacked.
            let batch = await withTaskGroup(of: [Delivery]?.self) { group in
                group.addTask { try? await consumer.deliveries.nextBatch(limit: 500) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(200)); return nil
                }
                var taken: [Delivery] = []
                if let first = await group.next(), let first { taken += first }
                group.cancelAll()
                for await late in group { taken += late ?? [] }
                return taken
            }
            guard !batch.isEmpty else { continue }
            received += batch
            if let last = batch.last { try await connection.ack(last.deliveryTag, multiple: true) }
        }
        try await consumer.cancel()
        return received
    }

    func strings(_ sql: String) throws -> [String] {
        let store = try channelStore()
        return try store.pool.read { try String.fetchAll($0, sql: sql) }
    }

    /// Takes at least `expected` messages off `queue`, then whatever else arrives within a quiet second
    /// (redelivered follow-ups come as duplicates).
    func drainAll(_ queue: String, atLeast expected: Int) async throws -> [Delivery] {
        var received = try await drain(queue, expected: expected)
        received += try await drain(queue, expected: .max, timeout: .seconds(1))
        return received
    }

    func rows(_ sql: String) throws -> Int {
        let store = try channelStore()
        return try store.pool.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// Runs `rabbitmqctl` (the tests run beside the broker that scripts/test started).
@discardableResult
func rabbitmqctl(_ arguments: String...) throws -> String {
    try runTool("/usr/bin/env", ["rabbitmqctl"] + arguments, describedAs: "rabbitmqctl \(arguments.joined(separator: " "))")
}

/// Runs a program to its end; its output (standard output and error together), or an error with
/// it when the program fails.
@discardableResult
func runTool(_ executable: String, _ arguments: [String], describedAs description: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
        throw ConfigurationError(.invalidValue, "\(description) failed: \(text)")
    }
    return text
}

/// Runs `script` in bash at the repository root with scripts/lib.sh sourced (its arguments `$1`…);
/// the exit status and standard output. `environment` adds to this process's; a nil value removes.
func runSourcingLib(_ script: String, _ arguments: [String] = [], environment: [String: String?] = [:]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", "source scripts/lib.sh && " + script, "lib"] + arguments
    process.currentDirectoryURL = repositoryRoot
    var inherited = ProcessInfo.processInfo.environment
    for (name, value) in environment { inherited[name] = value }
    process.environment = inherited
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}

/// Waits for `condition` and records a test issue naming `what` when it never held.
func expectEventually(
    _ what: String, timeout: Duration = .seconds(60),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    if !(try await eventually(timeout: timeout, condition)) {
        Issue.record("timed out after \(timeout) waiting until \(what)", sourceLocation: sourceLocation)
    }
}
