import Foundation
import GRDB

/// Opens SQLite databases the way every Remit store wants them: a `DatabasePool` (WAL), a busy
/// timeout so concurrent processes wait instead of failing, and migrations applied on open.
public enum SQLiteStore {
    public static func openPool(at path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }
}
