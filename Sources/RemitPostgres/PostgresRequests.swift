import Foundation
import PostgresNIO
import RemitCore
import RemitStore

/// The B2B requests (`b2b_request`): what the storefront, channel-updates and P-0001 read and write
/// of them, in one place as SQLite keeps them on `B2BRequest`.
struct PostgresRequests {
    let session: PostgresSession

    /// The request-status rank as SQL, the same CASE as SQLite's: the lifecycle only moves forward.
    static func rankSQL(_ column: String) -> String {
        "CASE \(column) " + B2BRequest.Status.allCases.map { "WHEN '\($0.rawValue)' THEN \($0.rank)" }.joined(separator: " ")
            + " ELSE 0 END"
    }

    func find(_ requestId: String) throws -> B2BRequest? {
        try session.row("SELECT * FROM b2b_request WHERE request_id = \(requestId)").map(B2BRequest.init(postgres:))
    }

    /// The user's latest request for `invoice` submitted at or after `since` that has not failed.
    func recent(user: String, invoice: String, since: Date) throws -> B2BRequest? {
        try session.row(
            """
            SELECT * FROM b2b_request WHERE user_login = \(user) AND invoice_number = \(invoice)
                AND submitted_at >= \(Timestamp.format(since)) AND status <> 'failed'
            ORDER BY submitted_at DESC LIMIT 1
            """
        ).map(B2BRequest.init(postgres:))
    }

    func recordRepeat(_ requestId: String, at date: Date) throws {
        try session.execute(
            """
            UPDATE b2b_request SET repeat_count = repeat_count + 1, last_requested_at = \(Timestamp.format(date))
            WHERE request_id = \(requestId)
            """)
    }

    // ON CONFLICT DO NOTHING: the same request recorded by two hosts is recorded once.
    func record(_ request: B2BRequest) throws -> Bool {
        let submitted = Timestamp.format(request.submittedAt)
        return try session.execute(
            """
            INSERT INTO b2b_request (request_id, type, user_login, customer_account, invoice_number, status, submitted_at, updated_at)
            VALUES (\(request.requestId), \(request.type), \(request.userLogin), \(request.customerAccount), \(request.invoiceNumber),
                \(request.status.rawValue), \(submitted), \(submitted))
            ON CONFLICT (request_id) DO NOTHING
            """) > 0
    }

    /// Applies a state of the request as of `at` unless the channel has a later one. One UPDATE
    /// whose WHERE reads the row's own status: at READ COMMITTED, a concurrent change to the same
    /// row makes this one wait and re-check its WHERE against the committed row, so two hosts
    /// applying changes at once can never move the status back.
    func applyChange(_ requestId: String, status: B2BRequest.Status, detail: String?, at date: Date) throws {
        let at = Timestamp.format(date)
        let rank = Int64(status.rank)
        try session.execute(
            """
            UPDATE b2b_request SET status = \(status.rawValue), updated_at = \(at), detail = \(detail)
            WHERE request_id = \(requestId)
                AND (\(unescaped: Self.rankSQL("status")) < \(rank) OR (\(unescaped: Self.rankSQL("status")) = \(rank) AND updated_at <= \(at)))
            """)
    }

    func pending(limit: Int) throws -> [B2BRequest] {
        try session.rows("SELECT * FROM b2b_request WHERE uploaded_at IS NULL ORDER BY submitted_at, request_id LIMIT \(Int64(limit))")
            .map(B2BRequest.init(postgres:))
    }

    func markUploaded(ids: [String], at date: Date) throws {
        let at = Timestamp.format(date)
        try session.execute("UPDATE b2b_request SET uploaded_at = \(at) WHERE request_id = ANY(\(ids)) AND uploaded_at IS NULL")
        // A state HQ already reported (a repair run after a crash) is not set back.
        try session.execute(
            """
            UPDATE b2b_request SET status = 'uploaded', updated_at = \(at)
            WHERE request_id = ANY(\(ids)) AND status = 'submitted' AND updated_at <= \(at)
            """)
    }
}
