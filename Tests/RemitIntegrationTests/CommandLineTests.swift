import Foundation
import RemitCore
import RemitMessages
import Testing

/// What an operator sees from `remit` when something is off: one clear line and exit 1 for a failure
/// while running, the usage text only for a mistake in the command line, nothing created by a
/// command that only reads.
@Suite("remit on the command line", .serialized)
struct CommandLineTests {
    @Test func versionIsPrinted() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["--version"], broker: broker)
            #expect(status == 0)
            #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == RemitVersion.current)
        }
    }

    @Test(arguments: [
        (["--consumers", "-3"], "--consumers: -3 for every kind is outside 1…64"),
        (["--consumers", "0"], "--consumers: 0 for every kind is outside 1…64"),
        (["--consumers", "smoke=65"], "--consumers: 65 for smoke is outside 1…64"),
        (["--consumers", "payment-posting=2"], "--consumers: 'payment-posting' is not a kind this process runs (smoke)"),
        (["--consumers", "smoke=two"], "--consumers: 'two' for smoke is not a whole number"),
        (["--prefetch", "-1"], "--prefetch must be within"),
    ])
    func aWrongCountIsRefusedWithItsRange(_ option: [String], _ message: String) async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["worker", "smoke"] + option, broker: broker)
            #expect(status == 64, "a command-line mistake: \(output)")
            #expect(output.contains(message), "\(output)")
            #expect(!output.contains("Missing value"))
        }
    }

    @Test func runRefusesACountForAKindItDoesNotKnowBeforeStartingAnything() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["run", "--consumers", "payment-posting=4,mailer=1"], broker: broker)
            #expect(status == 1, "\(output)")
            #expect(output.contains("--consumers: 'mailer' is not a kind this process runs"), "\(output)")
        }
    }

    @Test func aReadOnlyCommandOnAFreshDataDirectoryCreatesNothing() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["hq", "jobs"], broker: broker)
            #expect(status == 1)
            let lines = output.split(separator: "\n").filter { !$0.isEmpty }
            #expect(lines.count == 1 && lines[0].hasPrefix("remit: store ") && lines[0].contains("hq.sqlite"), "\(output)")
            let left = try FileManager.default.contentsOfDirectory(atPath: broker.dataDirectory).filter { !$0.hasSuffix(".log") }
            #expect(left.isEmpty, "nothing created: \(left)")
        }
    }

    @Test func aJobRunNobodyTakesStaysQueuedAndSaysSo() async throws {
        try await TestBroker.with { broker in
            _ = try await RemitProcess.run(["hq", "seed", "--customers", "2", "--invoices", "2"], broker: broker)
            let (status, output) = try await RemitProcess.run(["hq", "run-job", "P-0001", "--wait", "1"], broker: broker)
            #expect(status == 1)
            #expect(output.contains("stays queued and runs when a worker for it is up"), "\(output)")
            #expect(!output.contains("Usage:"))
            #expect(try await broker.readyCount("remit.hq.p-0001") == 1, "the run is still queued")
        }
    }

    @Test func aDataDirectoryThatIsAFileIsNamed() async throws {
        try await TestBroker.with(apply: false) { broker in
            let file = (broker.dataDirectory as NSString).appendingPathComponent("plain-file")
            _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
            let (status, output) = try await RemitProcess.run(["hq", "seed", "--data-dir", file + "/var"], broker: broker)
            #expect(status == 1)
            #expect(output.contains("\(file) is a file"), "\(output)")
            #expect(!output.contains("NSCocoaErrorDomain"))
        }
    }

    @Test func remitStartedFromPathFindsItsTopology() async throws {
        try await TestBroker.with { broker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["remit", "topology", "verify"]
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = RemitProcess.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin")
            environment["REMIT_AMQP_URL"] = RemitProcess.url(broker)
            environment.removeValue(forKey: "REMIT_TOPOLOGY_DIR")
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: broker.dataDirectory)  // no ./Topology here
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("matches"), "\(text)")
        }
    }
}
