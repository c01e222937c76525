import Foundation
import GRDB
import Logging
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// Job P-0001, channel transactions upload: takes the channel's payments, orders on account and
/// B2B requests not yet uploaded into HQ in one batch, then marks them uploaded in the channel
/// store. It runs in the channel store's transaction (with the inbox); HQ is written first, in its
/// own transaction, keyed by the channel's ids — so when a crash falls between the two, the next
/// run uploads the same rows again, HQ ignores them as known, and the marking completes.
public struct P0001Upload: TypedMessageHandler {
    let hq: HQStore
    let worker: String
    let batchLimit: Int
    /// Runs after HQ committed and before the channel marks; tests use it to crash there.
    let afterUpload: @Sendable () throws -> Void

    public init(hq: HQStore, worker: String, batchLimit: Int = 5_000, afterUpload: @escaping @Sendable () throws -> Void = {}) {
        self.hq = hq
        self.worker = worker
        self.batchLimit = batchLimit
        self.afterUpload = afterUpload
    }

    public func handle(_ envelope: Envelope<P0001Run>, context: HandlerContext, in channel: Database) throws -> [OutgoingMessage] {
        let runId = envelope.id
        let transactions = try ChannelTransaction.pending(channel, limit: batchLimit)
        let requests = try B2BRequest.pending(channel, limit: batchLimit)
        let now = context.now
        let logger = context.logger
        let metadata: Logger.Metadata = ["job": "\(P0001Run.jobName)", "requested_by": "\(envelope.actingUser)"]
        logger.info("job run started", metadata: metadata)
        var uploaded: [String: Int] = [:]
        do {
            try hq.pool.write { db in
                try JobRun.start(db, job: P0001Run.jobName, runId: runId, worker: worker, at: now)
                var counts = ["payments": 0, "orders": 0, "requests": 0, "already-uploaded": 0]
                for transaction in transactions {
                    switch transaction.kind {
                    case .invoicePayment:
                        let new = try PaymentJournalLine(
                            channelPaymentId: transaction.id, customerAccount: transaction.customerAccount,
                            invoiceNumber: transaction.invoiceNumber, amount: transaction.amount,
                            paidOn: CalendarDate(transaction.createdAt), tender: transaction.tender, uploadedAt: now
                        ).insertUnlessUploaded(db)
                        counts[new ? "payments" : "already-uploaded", default: 0] += 1
                    case .orderOnAccount:
                        let new = try SalesOrder(
                            orderNumber: "SO-\(transaction.id)", customerAccount: transaction.customerAccount,
                            channelOrderId: transaction.id, orderedOn: CalendarDate(transaction.createdAt),
                            onAccount: transaction.tender == "onAccount",
                            status: .uploaded, total: transaction.amount,
                            lines: String(decoding: try JSONEncoder().encode(transaction.lines), as: UTF8.self)
                        ).insertUnlessUploaded(db)
                        counts[new ? "orders" : "already-uploaded", default: 0] += 1
                    }
                }
                for request in requests {
                    let new = try HQChannelRequest(
                        requestId: request.requestId, type: request.type, userLogin: request.userLogin,
                        invoiceNumber: request.invoiceNumber, customerAccount: request.customerAccount, receivedAt: now
                    ).insertUnlessUploaded(db)
                    counts[new ? "requests" : "already-uploaded", default: 0] += 1
                }
                try JobRun.finish(db, runId: runId, succeeded: true, counts: counts, error: nil, at: now)
                uploaded = counts
            }
            try afterUpload()
        } catch {
            // Recorded as a failed run; nothing is marked, so the next run uploads these again.
            try? hq.pool.write { db in
                try JobRun.start(db, job: P0001Run.jobName, runId: runId, worker: worker, at: now)
                try JobRun.finish(db, runId: runId, succeeded: false, counts: [:], error: "\(error)", at: now)
            }
            logger.warning(
                "job run failed; nothing is marked, the next run uploads these again",
                metadata: metadata.merging(["error": "\(error)"]) { $1 })
            throw error
        }
        logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRun.format(uploaded))"]) { $1 })
        try ChannelTransaction.markUploaded(channel, ids: transactions.map(\.id), at: now)
        try B2BRequest.markUploaded(channel, ids: requests.map(\.requestId), at: now)
        return []
    }
}
