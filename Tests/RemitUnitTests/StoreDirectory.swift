import Foundation
@testable import RemitHQ
@testable import RemitSQLite
import RemitStore

/// A throwaway data directory with real SQLite files for the HQ and channel stores.
struct StoreDirectory {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("remit-credentials-\(UUID())").path
    var hq: HQStore { get throws { try HQStore(dataDirectory: path) } }
    var channel: ChannelStore { get throws { try ChannelStore(dataDirectory: path) } }

    static func with<T>(_ body: (StoreDirectory) async throws -> T) async throws -> T {
        let directory = StoreDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory.path) }
        return try await body(directory)
    }
}
