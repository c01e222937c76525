import RemitStore

/// A transaction on the operations store in PostgreSQL.
struct PostgresOperationsTransaction: OperationsStoreTransaction {
    let session: PostgresSession

    var deadLetters: any DeadLetterQueries { PostgresDeadLetters(session: session) }
    var audit: any DeadLetterAuditQueries { PostgresDeadLetterAudit(session: session) }
}
