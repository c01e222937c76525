import Foundation
import PostgresNIO
import RemitCore
import RemitStore

// The operations store's values read from their PostgreSQL rows (`SELECT *`).

extension DeadLetter {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "dead_letter", keyColumn: "id")
        self.init(
            id: try stored.int64("id"), messageId: try stored.string("message_id"), messageType: try stored.string("message_type"),
            correlationId: try stored.optionalString("correlation_id"), deadLetterQueue: try stored.string("dead_letter_queue"),
            worker: try stored.string("worker"), originalQueue: try stored.string("original_queue"),
            originalExchange: try stored.optionalString("original_exchange"),
            originalRoutingKey: try stored.optionalString("original_routing_key"), reason: try stored.string("reason"),
            error: try stored.string("error"), attempts: try stored.int("attempts"), failedAt: try stored.timestamp("failed_at"),
            properties: try stored.string("properties"), body: try stored.data("body"), bodyDigest: try stored.string("body_digest"),
            collectedAt: try stored.timestamp("collected_at"), replayCount: try stored.int("replay_count"))
    }
}

extension DeadLetterAudit {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "dead_letter_audit", keyColumn: "id")
        self.init(
            id: try stored.int64("id"), at: try stored.timestamp("at"), actor: try stored.string("actor"),
            action: try stored.value("action", as: Action.self), filter: try stored.string("filter"), matched: try stored.int("matched"),
            done: try stored.int("done"), outcome: try stored.value("outcome", as: Outcome.self),
            detail: try stored.optionalString("detail"))
    }
}

extension DeadLetterAuditMessage {
    init(postgres row: PostgresRandomAccessRow) throws {
        let stored = PostgresStoredRow(row, table: "dead_letter_audit_message", keyColumn: "id")
        self.init(
            id: try stored.int64("id"), auditId: try stored.int64("audit_id"), messageId: try stored.string("message_id"),
            deadLetterQueue: try stored.string("dead_letter_queue"), reason: try stored.string("reason"),
            error: try stored.string("error"), attempts: try stored.int("attempts"), failedAt: try stored.timestamp("failed_at"),
            change: try stored.optionalString("change"))
    }
}
