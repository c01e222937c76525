import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// The operators' store (`operations.sqlite`): dead letters collected from the broker's dead-letter
/// queues, so that listing, filtering, grouping, replaying and purging are SQL over one file, and
/// the audit of every replay, edit, purge and export. It holds no business state.
public final class OperationsStore: DataDirectoryStore {
    public static let fileName = "operations.sqlite"
    public let pool: DatabasePool
    public let path: String

    public init(path: String, readOnly: Bool) throws {
        self.path = path
        pool = try SQLiteStore.openPool(at: path, identity: .operations, migrator: Self.migrator, readOnly: readOnly)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-dead-letters") { db in
            try db.create(table: "dead_letter") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("message_id", .text).notNull()  // '' when the message had none
                t.column("message_type", .text).notNull()  // '' when unknown
                t.column("correlation_id", .text)
                t.column("dead_letter_queue", .text).notNull()
                t.column("worker", .text).notNull()
                t.column("original_queue", .text).notNull()
                t.column("original_exchange", .text)  // nil: not known, the message cannot be replayed
                t.column("original_routing_key", .text)
                t.column("reason", .text).notNull()
                t.column("error", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("failed_at", .text).notNull()
                t.column("properties", .text).notNull()  // the AMQP properties and headers as typed JSON
                t.column("body", .blob).notNull()
                t.column("body_digest", .text).notNull()
                t.column("collected_at", .text).notNull()
                t.column("replay_count", .integer).notNull()
            }
            // A redelivery after a crash between commit and ack is the same message at the same
            // failure, byte for byte: stored once. The digest keeps apart two messages that share an
            // id and a failure time (ids are the producer's).
            try db.create(
                index: "dead_letter_identity", on: "dead_letter",
                columns: ["message_id", "dead_letter_queue", "failed_at", "body_digest"], unique: true)
            try db.create(index: "dead_letter_by_queue", on: "dead_letter", columns: ["dead_letter_queue", "failed_at"])
            try db.create(index: "dead_letter_by_type", on: "dead_letter", columns: ["message_type", "failed_at"])
            try db.create(index: "dead_letter_by_failure", on: "dead_letter", columns: ["reason", "error"])
            try db.create(index: "dead_letter_by_time", on: "dead_letter", columns: ["failed_at"])
            try db.create(table: "dead_letter_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()  // replay | edit | purge | export
                t.column("filter", .text).notNull()
                t.column("matched", .integer).notNull()
                t.column("done", .integer).notNull()
                t.column("outcome", .text).notNull()  // running | completed | failed
                t.column("detail", .text)
            }
            // One row per message an action touched, with what it was then (so `show` tells its
            // history after the dead letter itself is gone) and, for edits, the change.
            try db.create(table: "dead_letter_audit_message") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("audit_id", .integer).notNull().references("dead_letter_audit")
                t.column("message_id", .text).notNull()
                t.column("dead_letter_queue", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("error", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("failed_at", .text).notNull()
                t.column("change", .text)
            }
            try db.create(index: "dead_letter_audit_message_by_id", on: "dead_letter_audit_message", columns: ["message_id"])
            try db.create(index: "dead_letter_audit_message_by_audit", on: "dead_letter_audit_message", columns: ["audit_id"])
        }
        return migrator
    }
}
