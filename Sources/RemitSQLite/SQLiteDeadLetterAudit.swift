import Foundation
import GRDB
import RemitStore

/// The audit queries on the operations store in SQLite.
struct SQLiteDeadLetterAudit: DeadLetterAuditQueries {
    let db: Database
    private typealias Columns = DeadLetterAudit.Columns
    private typealias Touched = DeadLetterAuditMessage.Columns

    func begin(_ audit: DeadLetterAudit) throws -> DeadLetterAudit {
        var audit = audit
        try audit.insert(db)
        audit.id = db.lastInsertedRowID
        return audit
    }

    func record(id: Int64, _ letters: [(DeadLetter, change: String?)]) throws {
        try DeadLetterAuditMessage.insertAll(
            letters.lazy.map { letter, change in DeadLetterAuditMessage(auditId: id, letter: letter, change: change) }, db)
        try DeadLetterAudit.filter(Columns.id == id).updateAll(db, Columns.done += letters.count)
    }

    func finish(id: Int64, outcome: DeadLetterAudit.Outcome, detail: String?) throws {
        try DeadLetterAudit.filter(Columns.id == id)
            .updateAll(db, Columns.outcome.set(to: outcome.rawValue), Columns.detail.set(to: detail))
    }

    func recent(limit: Int) throws -> [DeadLetterAudit] {
        try DeadLetterAudit.all().order(Columns.id.desc).limit(limit).fetchAll(db)
    }

    func history(messageId: String) throws -> [(DeadLetterAudit, DeadLetterAuditMessage)] {
        let entries = try DeadLetterAuditMessage.filter(Touched.messageId == messageId).order(Touched.id).fetchAll(db)
        let audits = try DeadLetterAudit.filter(Set(entries.map(\.auditId)).contains(Columns.id)).fetchAll(db)
        let byId = Dictionary(uniqueKeysWithValues: audits.compactMap { audit in audit.id.map { ($0, audit) } })
        return entries.compactMap { entry in byId[entry.auditId].map { ($0, entry) } }
    }

    func touched(auditId: Int64) throws -> [DeadLetterAuditMessage] {
        try DeadLetterAuditMessage.filter(Touched.auditId == auditId).order(Touched.id).fetchAll(db)
    }
}
