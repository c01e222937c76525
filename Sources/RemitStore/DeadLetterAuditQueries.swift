/// The audit of what operators did to dead letters: every replay, edit, purge and export, and each
/// message it touched.
public protocol DeadLetterAuditQueries {
    /// Starts an entry; returns it with its id.
    func begin(_ audit: DeadLetterAudit) throws -> DeadLetterAudit

    /// Records that `letters` were handled under entry `id` (in the transaction that handled them),
    /// with each one's change for edits, and counts them done.
    func record(id: Int64, _ letters: [(DeadLetter, change: String?)]) throws

    func finish(id: Int64, outcome: DeadLetterAudit.Outcome, detail: String?) throws

    /// The latest entries, newest first.
    func recent(limit: Int) throws -> [DeadLetterAudit]

    /// What happened to `messageId`, oldest first, with the entry of each.
    func history(messageId: String) throws -> [(DeadLetterAudit, DeadLetterAuditMessage)]

    /// The messages entry `auditId` touched, with what an edit changed in each.
    func touched(auditId: Int64) throws -> [DeadLetterAuditMessage]
}
