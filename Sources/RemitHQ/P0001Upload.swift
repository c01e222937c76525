import Foundation
import GRDB
import Logging
import RemitCore
import RemitRuntime
import RemitStore

/// Job P-0001, channel transactions upload: takes the channel's payments, orders on account and
/// B2B requests not yet uploaded into HQ in one batch, then marks them uploaded in the channel
/// store. It runs in the channel store's transaction (with the inbox); HQ is written first, in its
/// own transaction, keyed by the channel's ids — so when a crash falls between the two, the next
/// run uploads the same rows again, HQ ignores them as known, and the marking completes.
public struct P0001Upload: MessageHandler {
    let hq: HQStore
    let clock: any WallClock
    let worker: String
    let batchLimit: Int
    let logger: Logger
    /// Runs after HQ committed and before the channel marks; tests use it to crash there.
    let afterUpload: @Sendable () throws -> Void

    public init(hq: HQStore, clock: any WallClock, worker: String, logger: Logger, batchLimit: Int = 5_000,
                afterUpload: @escaping @Sendable () throws -> Void = {}) {
        self.logger = logger
        self.hq = hq
        self.clock = clock
        self.worker = worker
        self.batchLimit = batchLimit
        self.afterUpload = afterUpload
    }

    public var bodyTypes: [any MessageBody.Type] { [P0001Run.self] }

    public func handle(_ message: IncomingMessage, in channel: Database) throws -> [OutgoingMessage] {
        _ = try message.envelope(P0001Run.self)
        let runId = message.header.id
        let transactions = try ChannelTransaction.pending(channel, limit: batchLimit)
        let requests = try B2BRequest.pending(channel, limit: batchLimit)
        let now = clock.now()
        let metadata: Logger.Metadata = ["job": "\(P0001Run.jobName)", "run_id": "\(runId)",
                                         "requested_by": "\(message.header.actingUser)"]
        logger.info("job run started", metadata: metadata)
        var uploaded: [String: Int] = [:]
        do {
            try hq.pool.write { db in
                try JobRuns.start(db, job: P0001Run.jobName, runId: runId, worker: worker, at: now)
                var counts = ["payments": 0, "orders": 0, "requests": 0, "already-uploaded": 0]
                for transaction in transactions {
                    switch transaction.kind {
                    case .invoicePayment:
                        try db.execute(sql: """
                            INSERT INTO payment_journal_line (channel_payment_id, customer_account, invoice_number, amount_minor,
                                                              currency, paid_on, tender, uploaded_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(channel_payment_id) DO NOTHING
                            """, arguments: [transaction.id, transaction.customerAccount, transaction.invoiceNumber,
                                             transaction.amount.minorUnits, transaction.amount.currency.code,
                                             CalendarDate(transaction.createdAt).description, transaction.tender,
                                             Timestamp.format(now)])
                        counts[db.changesCount > 0 ? "payments" : "already-uploaded", default: 0] += 1
                    case .orderOnAccount:
                        try db.execute(sql: """
                            INSERT INTO sales_order (order_number, customer_account, channel_order_id, ordered_on, on_account,
                                                     status, total_minor, currency, lines)
                            VALUES (?, ?, ?, ?, 1, 'uploaded', ?, ?, ?) ON CONFLICT(channel_order_id) DO NOTHING
                            """, arguments: ["SO-\(transaction.id)", transaction.customerAccount, transaction.id,
                                             CalendarDate(transaction.createdAt).description, transaction.amount.minorUnits,
                                             transaction.amount.currency.code,
                                             String(decoding: try JSONEncoder().encode(transaction.lines), as: UTF8.self)])
                        counts[db.changesCount > 0 ? "orders" : "already-uploaded", default: 0] += 1
                    }
                }
                for request in requests {
                    try db.execute(sql: """
                        INSERT INTO channel_request (request_id, type, user_login, invoice_number, status, received_at,
                                                     customer_account, changed_at)
                        VALUES (?, ?, ?, ?, 'received', ?, ?, ?) ON CONFLICT(request_id) DO NOTHING
                        """, arguments: [request.requestId, request.type, request.userLogin, request.invoiceNumber,
                                         Timestamp.format(now), request.customerAccount, Timestamp.format(now)])
                    counts[db.changesCount > 0 ? "requests" : "already-uploaded", default: 0] += 1
                }
                try JobRuns.finish(db, runId: runId, succeeded: true, counts: counts, error: nil, at: clock.now())
                uploaded = counts
            }
            try afterUpload()
        } catch {
            // Recorded as a failed run; nothing is marked, so the next run uploads these again.
            try? hq.pool.write { db in
                try JobRuns.start(db, job: P0001Run.jobName, runId: runId, worker: worker, at: now)
                try JobRuns.finish(db, runId: runId, succeeded: false, counts: [:], error: "\(error)", at: clock.now())
            }
            logger.warning("job run failed; nothing is marked, the next run uploads these again",
                           metadata: metadata.merging(["error": "\(error)"]) { $1 })
            throw error
        }
        logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRuns.format(uploaded))"]) { $1 })
        try ChannelTransaction.markUploaded(channel, ids: transactions.map(\.id), at: now)
        try B2BRequest.markUploaded(channel, ids: requests.map(\.requestId), at: now)
        return []
    }
}
