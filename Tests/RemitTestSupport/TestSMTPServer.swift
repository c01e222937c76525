import Foundation

/// A real SMTP server for tests: `scripts/testing/smtp_server.py` (aiosmtpd, installed by
/// `scripts/test`) as a child process on a free loopback port, keeping what it accepts in a
/// throwaway directory. Stop it and start it again on the same port for "server down, then back"
/// tests. Self-contained (Foundation only) so other test targets can copy it as it is.
public final class TestSMTPServer: @unchecked Sendable {
    // @unchecked Sendable: `process`, `boundPort` and `announced` change only under `lock`; the rest is immutable.

    public struct Options: Sendable {
        /// Recipients matching this Python regex are refused at RCPT TO with `rejectCode`.
        public var rejectRecipients: String?
        public var rejectCode = 550
        /// The first N DATA commands get "451 4.3.0 …".
        public var deferDataCount = 0
        /// AUTH PLAIN/LOGIN required (allowed without TLS).
        public var credentials: (user: String, password: String)?
        /// STARTTLS offered, and required before MAIL FROM.
        public var startTLS: (certificate: String, key: String)?

        public init(
            rejectRecipients: String? = nil, rejectCode: Int = 550, deferDataCount: Int = 0,
            credentials: (user: String, password: String)? = nil, startTLS: (certificate: String, key: String)? = nil
        ) {
            self.rejectRecipients = rejectRecipients
            self.rejectCode = rejectCode
            self.deferDataCount = deferDataCount
            self.credentials = credentials
            self.startTLS = startTLS
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public let options: Options
    /// Holds `mail/` (the accepted messages) and `server.log` (the server's stderr).
    public let directory: URL
    public var maildir: URL { directory.appendingPathComponent("mail") }

    private let lock = NSLock()
    private var process: Process?
    private var boundPort = 0
    private var announced = false

    /// The port it listens on (0 before the first start).
    public var port: Int { lock.withLock { boundPort } }

    public init(_ options: Options = Options()) throws {
        self.options = options
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a started server, stopped and removed afterwards whatever happens.
    public static func with<T>(_ options: Options = Options(), _ body: (TestSMTPServer) async throws -> T) async throws -> T {
        let server = try TestSMTPServer(options)
        defer { server.stop() }
        try await server.start()
        return try await body(server)
    }

    /// Starts the server (on a free port the first time, on the same port again after `stop()`)
    /// and returns once it prints READY.
    public func start(timeout: TimeInterval = 30) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = [
            "python3", Self.repositoryRoot.appendingPathComponent("scripts/testing/smtp_server.py").path,
            "--port", String(port), "--maildir", maildir.path,
        ]
        if let pattern = options.rejectRecipients {
            arguments += ["--reject-rcpt-regex", pattern, "--reject-code", String(options.rejectCode)]
        }
        if options.deferDataCount > 0 { arguments += ["--defer-data-count", String(options.deferDataCount)] }
        if let credentials = options.credentials { arguments += ["--auth", "\(credentials.user):\(credentials.password)"] }
        if let tls = options.startTLS { arguments += ["--starttls", tls.certificate, tls.key] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let log = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let errors = try FileHandle(forWritingTo: log)
        defer { try? errors.close() }  // the child has its own copy
        process.standardError = errors
        try process.run()
        lock.withLock {
            self.process = process
            announced = false
        }

        // A blocking read of the server's stdout on a thread of its own; a timer kills a server that
        // never says READY, which ends the read.
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
            if !lock.withLock({ announced }), process.isRunning { process.terminate() }
        }
        let reader = output.fileHandleForReading
        let readyPort: Int? = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var buffer = Data()
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { return continuation.resume(returning: nil) }
                    buffer += chunk
                    let text = String(decoding: buffer, as: UTF8.self)
                    if let end = text.lastIndex(of: "\n"),
                        let line = text[..<end].split(separator: "\n").first(where: { $0.hasPrefix("READY ") })
                    {
                        self.lock.withLock { self.announced = true }
                        return continuation.resume(returning: Int(line.dropFirst(6)))
                    }
                }
            }
        }
        guard let readyPort else {
            stop()
            let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw StartFailure(description: "the test SMTP server did not start: \(errors.suffix(2000))")
        }
        lock.withLock { boundPort = readyPort }
    }

    /// SIGTERM, and waits for the process to end (SIGKILL after 10 seconds, so a test never hangs here).
    public func stop() {
        guard
            let process = lock.withLock({ () -> Process? in
                defer { self.process = nil }; return self.process
            })
        else { return }
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The messages accepted so far, oldest first, as the server received them.
    public func receivedMessages() throws -> [Data] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: maildir.path)) ?? []
        return try names.filter { $0.hasSuffix(".eml") }
            .sorted { (Int($0.dropLast(4)) ?? 0) < (Int($1.dropLast(4)) ?? 0) }
            .map { try Data(contentsOf: maildir.appendingPathComponent($0)) }
    }

    /// A self-signed certificate for `localhost` and its key (PEM files in `directory`), made by openssl.
    public static func makeSelfSignedCertificate(in directory: URL) throws -> (certificate: String, key: String) {
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-keyout", key, "-out", certificate,
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw StartFailure(description: "openssl req exited with \(openssl.terminationStatus)")
        }
        return (certificate, key)
    }
}
