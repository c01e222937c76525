/// Which Remit store a PostgreSQL schema holds. Each kind lives in a schema of its own in one
/// database, so its tables keep the SQLite store's names.
public enum PostgresStoreKind: String, Sendable, CaseIterable {
    case channel
    case operations

    /// The PostgreSQL schema of the kind's tables.
    public var schema: String { "remit_\(rawValue)" }

    /// As errors and the identity row name it.
    public var name: String { "\(rawValue) store" }

    /// The key of the advisory lock that serialises starters migrating this kind ("RMTC", "RMTO",
    /// as SQLite's `StoreIdentity` stamps the files).
    var migrationLock: Int64 {
        switch self {
        case .channel: return 0x524D_5443
        case .operations: return 0x524D_544F
        }
    }

    /// The kind's migrations, oldest first.
    var migrations: [PostgresMigration] {
        switch self {
        case .channel: return PostgresMigration.channel
        case .operations: return PostgresMigration.operations
        }
    }
}
