import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// Purging and exporting: store-only actions, each audited with the ids it touched.
public struct DeadLetterArchive: Sendable {
    public let store: any OperationsStoreBackend
    public let clock: any WallClock

    public init(store: any OperationsStoreBackend, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Deletes the matching dead letters (in one transaction with their audit); returns how many.
    public func purge(_ filter: DeadLetterFilter, described: String, actor: String) async throws -> Int {
        try await store.writeOperations { [clock] transaction in
            let letters = try transaction.deadLetters.matching(filter, limit: nil)
            guard !letters.isEmpty else { return 0 }
            let audit = try transaction.audit.begin(
                DeadLetterAudit(at: clock.now(), actor: actor, action: .purge, filter: described, matched: letters.count))
            try transaction.deadLetters.delete(ids: letters.compactMap(\.id))
            try transaction.audit.record(id: audit.id!, letters.map { ($0, change: nil) })
            try transaction.audit.finish(id: audit.id!, outcome: .completed, detail: nil)
            return letters.count
        }
    }

    /// Writes the matching dead letters as JSON lines (`DeadLetterView`) to `output`; returns how many.
    public func export(
        _ filter: DeadLetterFilter, described: String, actor: String, to output: FileHandle, destination: String
    )
        async throws -> Int
    {
        let letters = try await store.readOperations { try $0.deadLetters.matching(filter, limit: nil) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for chunk in letters.chunked(500) {
            var data = Data()
            for letter in chunk {
                data += try encoder.encode(try DeadLetterView(letter))
                data.append(0x0A)
            }
            try output.write(contentsOf: data)
        }
        try await store.writeOperations { [clock] transaction in
            let audit = try transaction.audit.begin(
                DeadLetterAudit(at: clock.now(), actor: actor, action: .export, filter: described, matched: letters.count))
            try transaction.audit.record(id: audit.id!, letters.map { ($0, change: nil) })
            try transaction.audit.finish(id: audit.id!, outcome: .completed, detail: destination)
        }
        return letters.count
    }
}
