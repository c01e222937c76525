import Foundation
import RemitStore
import Testing

/// Opens the stores of one backend for the contract tests: every test runs once per factory in
/// `StoreBackends.all`, and sees only the seam.
protocol StoreBackendFactory: Sendable, CustomTestStringConvertible {
    /// A new, empty channel store whose data lives under `directory`.
    func channelStore(in directory: URL) throws -> any MessageStoreBackend
    /// A new, empty HQ store whose data lives under `directory`.
    func hqStore(in directory: URL) throws -> any HQStoreBackend
    /// A new, empty operations store whose data lives under `directory`.
    func operationsStore(in directory: URL) throws -> any OperationsStoreBackend
}

/// The backends the contract runs against.
enum StoreBackends {
    static let all: [any StoreBackendFactory] = [SQLiteBackendFactory(), PostgresBackendFactory()]

    /// The backends that keep an HQ store: SQLite only, explicitly. HQ stays on SQLite (issue #24):
    /// it stands in for the back office, and its job queues have a single active consumer, so it
    /// runs on one host.
    static let withHQ: [any StoreBackendFactory] = [SQLiteBackendFactory()]
}
