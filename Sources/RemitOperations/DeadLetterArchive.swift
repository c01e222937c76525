import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitSQLite
import RemitStore

/// Purging and exporting: store-only actions, each audited with the ids it touched.
public struct DeadLetterArchive: Sendable {
    public let store: OperationsStore
    public let clock: any WallClock

    public init(store: OperationsStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Deletes the matching dead letters (in one transaction with their audit); returns how many.
    public func purge(_ filter: DeadLetterFilter, described: String, actor: String) async throws -> Int {
        try await store.pool.write { db in
            let letters = try DeadLetter.matching(db, filter)
            guard !letters.isEmpty else { return 0 }
            let audit = try DeadLetterAudit.begin(
                db, DeadLetterAudit(at: clock.now(), actor: actor, action: .purge, filter: described, matched: letters.count))
            try DeadLetter.delete(db, ids: letters.compactMap(\.id))
            try DeadLetterAudit.record(db, id: audit.id!, letters.map { ($0, change: nil) })
            try DeadLetterAudit.finish(db, id: audit.id!, outcome: .completed, detail: nil)
            return letters.count
        }
    }

    /// Writes the matching dead letters as JSON lines (`DeadLetterView`) to `output`; returns how many.
    public func export(
        _ filter: DeadLetterFilter, described: String, actor: String, to output: FileHandle, destination: String
    )
        async throws -> Int
    {
        let letters = try await store.pool.read { db in try DeadLetter.matching(db, filter) }
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
        try await store.pool.write { db in
            let audit = try DeadLetterAudit.begin(
                db, DeadLetterAudit(at: clock.now(), actor: actor, action: .export, filter: described, matched: letters.count))
            try DeadLetterAudit.record(db, id: audit.id!, letters.map { ($0, change: nil) })
            try DeadLetterAudit.finish(db, id: audit.id!, outcome: .completed, detail: destination)
        }
        return letters.count
    }
}
