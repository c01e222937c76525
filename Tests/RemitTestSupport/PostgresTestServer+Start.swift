import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Starting the throw-away server: initdb and pg_ctl from Debian's PostgreSQL, run as `postgres`
// when the tests run as root (PostgreSQL refuses to run as root).
extension PostgresTestServer {
    static func start() throws -> (OwnServer, Int) {
        guard let binaries = installedBinaries() else { throw PostgresTestServerError.notInstalled }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if geteuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory) }
        let port = try freePort()
        try run(binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync"])
        try run(
            binaries + "/pg_ctl",
            [
                "-D", directory + "/data", "-l", directory + "/server.log", "-w", "start",
                "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            ])
        return (OwnServer(binaries: binaries, directory: directory), port)
    }

    /// The newest installed PostgreSQL's bin directory.
    static func installedBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") }
    }

    /// Runs `tool` (as `postgres` when we are root) and waits; throws with its output when it fails.
    /// posix_spawn and waitpid rather than `Process`, whose wait missed the exit of `pg_ctl start`
    /// (the server it leaves running inherits nothing of ours: its output goes to its log).
    static func run(_ tool: String, _ arguments: [String]) throws {
        let command = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + arguments : [tool] + arguments
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("remit-pg-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid = pid_t()
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, command[0], &actions, nil, argv, environ) == 0 else {
            throw PostgresTestServerError(detail: "cannot start \(command[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw PostgresTestServerError(detail: "\((tool as NSString).lastPathComponent) failed: \(output.suffix(600))")
        }
    }

    /// A TCP port nobody listens on now: bound to port 0, the kernel's choice read back, released.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PostgresTestServerError(detail: "no socket for a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PostgresTestServerError(detail: "cannot bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
