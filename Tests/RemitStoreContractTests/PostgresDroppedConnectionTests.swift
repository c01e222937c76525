import Foundation
import Logging
@testable import RemitPostgres
import RemitStore
import RemitTestSupport
import Testing

/// Connections the server drops (a restart, an administrator's `pg_terminate_backend`): a statement
/// sent on one fails at once as unavailable, where PostgresNIO alone leaves its answer pending for
/// good (seen as a buyer's read hanging through a PostgreSQL restart in the scale-out run), and the
/// store goes on on new connections.
@Suite("Postgres: connections the server drops")
struct PostgresDroppedConnectionTests {
    private static func database(in directory: URL) throws -> (PostgresDatabase, PostgresStoreURL) {
        let url = try PostgresBackendFactory().url(for: directory)
        return (try PostgresDatabase(url: url, kind: .channel, logger: Logger(label: "remit.test")), url)
    }

    /// Ends the session's server process and waits until the client has seen its connection close.
    private static func drop(_ session: PostgresSession, in url: PostgresStoreURL) throws {
        let pid = try #require(try session.row("SELECT pg_backend_pid()")?[0].decode(Int32.self))
        try PostgresTestServer.shared.get().execute("SELECT pg_terminate_backend(\(pid))", in: url.database)
        let deadline = Date().addingTimeInterval(10)
        while !session.connection.isClosed, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try #require(session.connection.isClosed, "the client never saw the connection close")
    }

    @Test("a statement sent on a connection the server has dropped fails at once as unavailable")
    func statementOnDroppedConnection() throws {
        try TemporaryDirectory.with { directory in
            let (database, url) = try Self.database(in: directory)
            defer { database.shutdown() }
            let failure = #expect(throws: StoreFailure.self) {
                try database.transaction(readOnly: true) { session in
                    // Long enough that a hang shows as this bound's error rather than the close's.
                    session.statementTimeout = .seconds(20)
                    try Self.drop(session, in: url)
                    return try session.row("SELECT 1")
                }
            }
            #expect(failure?.code == .unavailable)
            let detail = failure?.detail ?? ""
            #expect(detail.contains("connection closed before the statement was answered"), "\(detail)")
        }
    }

    @Test("a statement that outlasts its bound closes its connection and fails as unavailable; the store goes on")
    func statementOutlastsItsBound() throws {
        try TemporaryDirectory.with { directory in
            let (database, _) = try Self.database(in: directory)
            defer { database.shutdown() }
            let failure = #expect(throws: StoreFailure.self) {
                try database.transaction(readOnly: true) { session in
                    session.statementTimeout = .seconds(1)
                    return try session.row("SELECT pg_sleep(5)")
                }
            }
            #expect(failure?.code == .unavailable)
            let detail = failure?.detail ?? ""
            #expect(detail.contains("did not answer a statement within 1 s; the connection is closed"), "\(detail)")
            let one = try database.transaction(readOnly: true) { try $0.row("SELECT 1")?[0].decode(Int32.self) }
            #expect(one == 1)
        }
    }

    @Test("after the server drops every connection of the pool, the next transactions run on new ones")
    func poolRecovers() throws {
        try TemporaryDirectory.with { directory in
            let (database, url) = try Self.database(in: directory)
            defer { database.shutdown() }
            // Several idle connections in the pool, then every one of them ended by the server.
            let pids = try (0..<4).map { _ in
                try database.transaction(readOnly: true) { try $0.row("SELECT pg_backend_pid()")?[0].decode(Int32.self) }
            }
            #expect(pids.allSatisfy { $0 != nil })
            let server = try PostgresTestServer.shared.get()
            let ended = try server.integer(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(url.database)' AND pid <> pg_backend_pid()) AS t",
                in: url.database)
            #expect(ended >= 1)
            for _ in 0..<8 {
                let one = try database.transaction(readOnly: true) { try $0.row("SELECT 1")?[0].decode(Int32.self) }
                #expect(one == 1)
            }
        }
    }
}
