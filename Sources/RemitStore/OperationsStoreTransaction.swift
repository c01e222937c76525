/// A transaction on the operations store: the dead letters and the audit of operators' actions.
public protocol OperationsStoreTransaction {
    var deadLetters: any DeadLetterQueries { get }
    var audit: any DeadLetterAuditQueries { get }
}
