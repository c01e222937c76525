import Foundation
import GRDB
import RemitStore

/// Opens SQLite databases the way every Remit store wants them: a `DatabasePool` (WAL), a busy
/// timeout so concurrent processes wait instead of failing, checked to be Remit's file of the
/// expected kind, undamaged and not from a newer build, then migrated.
public enum SQLiteStore {
    /// Migrations Remit shipped under other names before the header stamp existed: a file holding
    /// one of them and no stamp is an older Remit store and is adopted.
    static let remitMigrationMarker = "v1-inbox"

    public static func openPool(
        at path: String, identity: StoreIdentity, migrator: DatabaseMigrator,
        readOnly: Bool = false
    ) throws -> DatabasePool {
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(
                    .missing, path: path,
                    detail: "there is no \(identity.name) here yet (a worker or `remit hq seed` creates it; check --data-dir)")
            }
        } else {
            try DataDirectory.prepare((path as NSString).deletingLastPathComponent)
        }
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            if !readOnly { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        do {
            // A writer opens, checks and migrates under a lock shared with every other process
            // opening the file; a reader only checks (it never writes the schema). Opening is under
            // the lock too: two connections turning a new file to WAL at once can meet a lock that
            // SQLite does not wait out ("database is locked" at once, whatever the busy timeout).
            let lock = readOnly ? nil : try MigrationLock(storePath: path)
            defer { lock?.release() }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try check(pool, path: path, identity: identity, migrator: migrator, readOnly: readOnly)
            return pool
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw StoreError(
                error.resultCode == .SQLITE_NOTADB ? .foreign : error.resultCode == .SQLITE_CORRUPT ? .damaged : .cannotOpen,
                path: path, detail: describe(error))
        }
    }

    private static func check(
        _ pool: DatabasePool, path: String, identity: StoreIdentity, migrator: DatabaseMigrator,
        readOnly: Bool
    ) throws {
        let (stamp, tables, applied, integrity) = try pool.read { db in
            let stamp = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let tables = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            let applied = try tables.contains("grdb_migrations") ? migrator.appliedIdentifiers(db) : []
            let integrity = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
            return (stamp, tables, applied, integrity)
        }
        guard integrity == ["ok"] else {
            throw StoreError(
                .damaged, path: path,
                detail:
                    "the file is damaged (SQLite quick_check: \(integrity.joined(separator: "; ").prefix(300))); restore it from a backup")
        }
        switch stamp {
        case identity.rawValue:
            break
        case 0 where tables.isEmpty || applied.contains(remitMigrationMarker):
            break  // new, or written by a Remit build from before the stamp: adopted below
        case 0:
            throw StoreError(
                .foreign, path: path,
                detail:
                    "this SQLite file belongs to another application (tables: \(tables.prefix(8).joined(separator: ", "))); Remit will not add its tables to it"
            )
        default:
            if let other = StoreIdentity(rawValue: stamp) {
                throw StoreError(.foreign, path: path, detail: "this file is the \(other.name), not the \(identity.name)")
            }
            throw StoreError(.foreign, path: path, detail: "this SQLite file belongs to another application (application_id \(stamp))")
        }
        let known = Set(migrator.migrations)
        let unknown = applied.subtracting(known)
        guard unknown.isEmpty else {
            throw StoreError(
                .newerBuild, path: path,
                detail:
                    "written by a newer build of Remit (migrations this build does not know: \(unknown.sorted().joined(separator: ", "))); run that build or a newer one"
            )
        }
        if readOnly {
            guard applied == known else {
                throw StoreError(.olderBuild, path: path, detail: "written by an older build of Remit; start a worker once to migrate it")
            }
            return
        }
        try migrator.migrate(pool)
        if stamp == 0 {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA application_id = \(identity.rawValue)") }
        }
    }

    /// SQLite's words for an error, without the SQL or its arguments (they may hold message data).
    public static func describe(_ error: DatabaseError) -> String {
        "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
    }
}
