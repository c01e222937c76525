import Foundation
import Testing

/// The `remit` executable built next to the test bundle (or `REMIT_BINARY`), run as a child process
/// the way an operator runs it.
final class RemitProcess: @unchecked Sendable {
    // @unchecked: `process` and the output file are set up in init and only read afterwards.
    let process = Process()
    let outputURL: URL

    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["REMIT_BINARY"] { return URL(fileURLWithPath: explicit) }
        let candidates = [Bundle.main.executableURL, Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        for candidate in candidates.compactMap({ $0 }) {
            var directory = candidate.deletingLastPathComponent()
            for _ in 0..<4 {
                let remit = directory.appendingPathComponent("remit")
                if FileManager.default.isExecutableFile(atPath: remit.path) { return remit }
                directory.deleteLastPathComponent()
            }
        }
        return repositoryRoot.appendingPathComponent(".build/debug/remit")
    }

    /// - Parameter input: what the child reads on standard input (a pipe, so not a terminal); nil for
    ///   the test's own standard input.
    /// - Parameter executable: another program to run the same way (a Python producer); default `remit`.
    /// - Parameter environment: variables set for the child over the test's own (an OTLP endpoint).
    init(
        _ arguments: [String], broker: TestBroker, input: String? = nil, executable: URL? = nil, environment extra: [String: String] = [:]
    ) throws {
        process.executableURL = executable ?? Self.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["REMIT_AMQP_URL"] = Self.url(broker)
        if broker.amqp.tls != nil {
            // The management API is on a port of its own; its TLS files come from the AMQP URL.
            environment["REMIT_MANAGEMENT_URL"] = broker.management.baseURL.absoluteString
        }
        environment["REMIT_DATA_DIR"] = broker.dataDirectory
        environment["REMIT_TOPOLOGY_DIR"] = repositoryRoot.appendingPathComponent("Topology").path
        environment.merge(extra) { $1 }
        process.environment = environment
        outputURL = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("remit-\(UUID()).log")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputURL)
        process.standardOutput = handle
        process.standardError = handle
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let stdin, let input {
            try stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
    }

    /// The broker's URL with its password, and with an `amqps://` broker's TLS files.
    static func url(_ broker: TestBroker) -> String {
        let amqp = broker.amqp
        let vhost = amqp.vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? amqp.vhost
        guard let tls = amqp.tls else { return "amqp://\(amqp.user):\(amqp.password)@\(amqp.host):\(amqp.port)/\(vhost)" }
        var parameters: [String] = []
        if let file = tls.caFile { parameters.append("cacertfile=\(file)") }
        if let file = tls.certificateFile { parameters.append("certfile=\(file)") }
        if let file = tls.keyFile { parameters.append("keyfile=\(file)") }
        if !tls.verifyPeer { parameters.append("verify=verify_none") }
        if let name = tls.serverName { parameters.append("server_name_indication=\(name)") }
        let query = parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")
        return "amqps://\(amqp.user):\(amqp.password)@\(amqp.host):\(amqp.port)/\(vhost)\(query)"
    }

    var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit (at most `timeout`) and returns its status; kills it if it hangs.
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// Runs remit to completion and returns its status and output.
    static func run(
        _ arguments: [String], broker: TestBroker, input: String? = nil,
        timeout: Duration = .seconds(60), executable: URL? = nil
    ) async throws -> (Int32?, String) {
        let child = try RemitProcess(arguments, broker: broker, input: input, executable: executable)
        let status = await child.waitForExit(timeout: timeout)
        return (status, child.output)
    }
}
