import Foundation
import Logging
import PostgresNIO
import RemitPostgres
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server the contract tests run against: the one in `REMIT_TEST_POSTGRES_URL` when
/// set, else ONE throw-away server per test process, started on first use (initdb in a temporary
/// directory owned by `postgres`, a free port, its socket in that directory) and stopped at exit.
/// Each store gets a database of its own, created on demand and dropped at exit.
public final class PostgresTestServer: Sendable {
    /// Started (or found) once; the failure, if any, for every test that asks.
    public static let shared: Result<PostgresTestServer, PostgresTestServerError> = Result { try PostgresTestServer() }
        .mapError { $0 as? PostgresTestServerError ?? PostgresTestServerError(detail: "\($0)") }

    private let admin: PostgresStoreURL
    private let ownServer: OwnServer?
    private let created = Mutex<[String]>([])

    /// A server this process started: stopped and removed at exit.
    struct OwnServer: Sendable {
        var binaries: String
        var directory: String
    }

    private init() throws {
        if let url = ProcessInfo.processInfo.environment["REMIT_TEST_POSTGRES_URL"], !url.isEmpty {
            admin = try PostgresStoreURL(url)
            ownServer = nil
        } else {
            let (server, port) = try Self.start()
            ownServer = server
            admin = try PostgresStoreURL("postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable")
        }
        atexit { PostgresTestServer.atExit() }
    }

    /// A fresh database for `name` (created the first time it is asked for), as the stores' URL.
    public func database(_ name: String) throws -> PostgresStoreURL {
        let database = "remit_test_" + name.lowercased().filter { $0.isLetter || $0.isNumber }
        let isNew = created.withLock { names in
            guard !names.contains(database) else { return false }
            names.append(database)
            return true
        }
        if isNew { try adminExecute("CREATE DATABASE \(database)") }
        var url = admin
        url.database = database
        return url
    }

    /// Runs `sql` on `database` as the tests' administrator: what a test does behind a store's back.
    public func execute(_ sql: String, in database: String) throws {
        try adminExecute(sql, database: database)
    }

    /// The first column of what `sql` returns on `database`, as text (NULL as nil): what a test reads
    /// behind a store's back to check what the workers wrote.
    public func column(_ sql: String, in database: String) throws -> [String?] {
        try adminQuery(sql, database: database).map { try PostgresRandomAccessRow($0)[0].decode(String?.self) }
    }

    /// The one whole number `sql` returns on `database` (a `COUNT(*)`, a `SUM`); 0 for NULL.
    public func integer(_ sql: String, in database: String) throws -> Int {
        Int(try column("SELECT (\(sql))::TEXT", in: database).first.flatMap { $0 } ?? "0") ?? 0
    }

    private func adminExecute(_ sql: String, database: String? = nil) throws {
        _ = try adminQuery(sql, database: database)
    }

    private func adminQuery(_ sql: String, database: String? = nil) throws -> [PostgresRow] {
        var configuration = PostgresConnection.Configuration(
            host: admin.host, port: admin.port, username: admin.user, password: admin.password, database: database ?? admin.database,
            tls: .disable)
        if admin.sslMode != .disable {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            configuration.tls = .prefer(try NIOSSLContext(configuration: tls))
        }
        let connection = try PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.next(), configuration: configuration, id: 1,
            logger: Logger(label: "remit.test.postgres")
        ).wait()
        defer { try? connection.close().wait() }
        return Array(try connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "remit.test.postgres")).wait().rows)
    }

    private static func atExit() {
        guard case .success(let server) = shared else { return }
        if let own = server.ownServer {
            try? run(own.binaries + "/pg_ctl", ["-D", own.directory + "/data", "-m", "immediate", "-w", "stop"])
            try? FileManager.default.removeItem(atPath: own.directory)
        } else {
            for database in server.created.withLock({ $0 }) {
                try? server.adminExecute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            }
        }
    }
}
