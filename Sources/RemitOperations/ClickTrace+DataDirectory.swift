import Foundation
import RemitSQLite
import RemitStore

extension ClickTrace {
    /// The steps of the click with correlation id or message id `id` across the stores of
    /// `dataDirectory` that exist, read-only.
    public static func read(id: String, dataDirectory: String) async throws -> (correlationId: String, steps: [Step]) {
        func exists(_ file: String) -> Bool { FileManager.default.fileExists(atPath: "\(dataDirectory)/\(file)") }
        let channel = exists(ChannelStore.fileName) ? try ChannelStore(dataDirectory: dataDirectory, readOnly: true) : nil
        let hq = exists(HQStore.fileName) ? try HQStore(dataDirectory: dataDirectory, readOnly: true) : nil
        return try await read(id: id, channel: channel, hq: hq)
    }
}
