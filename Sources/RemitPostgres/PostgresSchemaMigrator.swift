import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// Brings a store's PostgreSQL schema to this build's version, like SQLite's `SQLiteStore.openPool`:
/// in one transaction under a transaction-scoped advisory lock (so starters on several hosts
/// migrate one after the other, and the later ones find the work done), checked first to be Remit's
/// schema of the expected kind and not from a newer build. The identity row says which application,
/// which store kind and which schema version the schema holds.
struct PostgresSchemaMigrator {
    static let application = "remit"

    var kind: PostgresStoreKind
    var store: String

    func migrate(_ session: PostgresSession) throws {
        try session.execute("SELECT pg_advisory_xact_lock(\(kind.migrationLock))")
        try session.execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(kind.schema)"))
        try session.execute(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(kind.schema)"))
        let tables = try session.rows("SELECT table_name::text FROM information_schema.tables WHERE table_schema::text = \(kind.schema)")
            .map { try $0[0].decode(String.self) }
        if !tables.isEmpty, !tables.contains("remit_store_identity") {
            throw StoreError(
                .foreign, path: store,
                detail:
                    "schema \(kind.schema) belongs to another application (tables: \(tables.sorted().prefix(8).joined(separator: ", "))); Remit will not add its tables to it"
            )
        }
        try createBookkeeping(session)
        try checkIdentity(session)
        let applied = Set(try session.rows("SELECT version FROM remit_migration").map { try $0[0].decode(Int64.self) })
        let known = Set(kind.migrations.map(\.version))
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw StoreError(
                .newerBuild, path: store,
                detail:
                    "written by a newer build of Remit (schema versions this build does not know: \(unknown.sorted().map(String.init).joined(separator: ", "))); run that build or a newer one"
            )
        }
        for migration in kind.migrations where !applied.contains(migration.version) {
            for statement in migration.statements { try session.execute(PostgresQuery(unsafeSQL: statement)) }
            try session.execute(
                """
                INSERT INTO remit_migration (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(Timestamp.format(Date())))
                """)
        }
        let version = kind.migrations.map(\.version).max() ?? 0
        try session.execute("UPDATE remit_store_identity SET schema_version = \(version) WHERE schema_version < \(version)")
    }

    private func createBookkeeping(_ session: PostgresSession) throws {
        try session.execute(
            """
            CREATE TABLE IF NOT EXISTS remit_store_identity (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
                application TEXT NOT NULL, store_kind TEXT NOT NULL, schema_version BIGINT NOT NULL)
            """)
        try session.execute(
            "CREATE TABLE IF NOT EXISTS remit_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        try session.execute(
            """
            INSERT INTO remit_store_identity (application, store_kind, schema_version)
            VALUES (\(Self.application), \(kind.rawValue), 0) ON CONFLICT (one) DO NOTHING
            """)
    }

    private func checkIdentity(_ session: PostgresSession) throws {
        guard let row = try session.row("SELECT application, store_kind, schema_version FROM remit_store_identity") else { return }
        let application = try row["application"].decode(String.self)
        let storeKind = try row["store_kind"].decode(String.self)
        let version = try row["schema_version"].decode(Int64.self)
        guard application == Self.application else {
            throw StoreError(.foreign, path: store, detail: "schema \(kind.schema) belongs to another application (\(application))")
        }
        guard storeKind == kind.rawValue else {
            throw StoreError(.foreign, path: store, detail: "schema \(kind.schema) holds the \(storeKind) store, not the \(kind.name)")
        }
        let latest = kind.migrations.map(\.version).max() ?? 0
        guard version <= latest else {
            throw StoreError(
                .newerBuild, path: store,
                detail:
                    "written by a newer build of Remit (schema version \(version), this build knows \(latest)); run that build or a newer one"
            )
        }
    }
}
