import Foundation
import Logging
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore
import RemitTracing

/// Job P-0001, channel transactions upload: takes the channel's payments, orders on account and
/// B2B requests not yet uploaded into HQ in one batch, then marks them uploaded in the channel
/// store. The HQ write is an effect outside the channel's store (`ExternalEffectHandler`): the
/// channel's transaction reads the batch; after it committed, HQ is written in its own transaction,
/// keyed by the channel's ids, with the job run's record; a new channel transaction then marks the
/// rows uploaded, with the inbox record. When a crash falls between the two, the redelivered run
/// uploads the same rows again, HQ ignores them as known, and the marking completes.
public struct P0001Upload: TypedMessageHandler, ExternalEffectHandler {
    let hq: any HQStoreBackend
    let worker: String
    let batchLimit: Int
    /// Runs after HQ committed and before the channel marks; tests use it to crash there.
    let afterUpload: @Sendable () throws -> Void
    let runs = JobRunMetrics(job: P0001Run.jobName)

    public init(hq: any HQStoreBackend, worker: String, batchLimit: Int = 5_000, afterUpload: @escaping @Sendable () throws -> Void = {}) {
        self.hq = hq
        self.worker = worker
        self.batchLimit = batchLimit
        self.afterUpload = afterUpload
    }

    /// The channel's rows a run uploads.
    struct Upload: Sendable {
        let transactions: [ChannelTransaction]
        let requests: [B2BRequest]
        /// The spans the rows' clicks left (while tracing): each row's upload continues its click's trace.
        var traces: [TracedItem: TraceContext] = [:]

        var items: [TracedItem] {
            transactions.map { TracedItem(.transaction, $0.id) } + requests.map { TracedItem(.request, $0.requestId) }
        }
    }

    /// Every run is performed (an empty one too: HQ records the run, the operators' evidence that the
    /// job ran); a redelivered run whose upload committed in HQ uploads the same rows, as known.
    public func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> (any Sendable)? {
        let channel = try transaction.channel()
        var upload = Upload(
            transactions: try channel.uploads.pendingTransactions(limit: batchLimit),
            requests: try channel.uploads.pendingRequests(limit: batchLimit))
        if Telemetry.isTracing { upload.traces = try channel.traceContexts.traces(of: upload.items) }
        return upload
    }

    /// Writes the batch into HQ in one transaction, with the run's record. HQ's store failing is
    /// `unavailable` (the batch is held and the upload tried again, as for the channel's own store);
    /// data HQ refuses fails the run for good (`recordEffect` dead-letters it); anything else is
    /// tried again through the retry tiers.
    public func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
        guard let upload = effect as? Upload else { return .failed(reason: "internal: unexpected effect \(type(of: effect))") }
        let (runId, now, worker, run) = (message.header.id, context.now, self.worker, context.trace)
        let logger = context.logger
        let metadata: Logger.Metadata = ["job": "\(P0001Run.jobName)", "requested_by": "\(message.header.actingUser)"]
        logger.info("job run started", metadata: metadata)
        do {
            let counts = try await hq.writeHQ { hq in try Self.upload(upload, into: hq, runId: runId, worker: worker, at: now, run: run) }
            try afterUpload()
            runs.succeeded(at: now)
            logger.info("job run succeeded", metadata: metadata.merging(["counts": "\(JobRun.format(counts))"]) { $1 })
            return .succeeded(detail: JobRun.format(counts))
        } catch {
            // Recorded as a failed run; nothing is marked, so the next run uploads these again.
            try? await hq.writeHQ { hq in
                try hq.jobRuns.start(job: P0001Run.jobName, runId: runId, worker: worker, at: now)
                try hq.jobRuns.finish(runId: runId, succeeded: false, counts: [:], error: "\(error)", at: now)
            }
            runs.failed(at: now)
            logger.warning(
                "job run failed; nothing is marked, the next run uploads these again",
                metadata: metadata.merging(["error": "\(error)"]) { $1 })
            // The backend's own errors come as `StoreFailure`s (the seam maps them).
            guard let failure = error as? StoreFailure else { return .retryLater(reason: "\(error)") }
            if failure.isTheStoresFault { return .unavailable(reason: failure.description) }
            if failure.refusesTheData { return .failed(reason: failure.description) }
            return .retryLater(reason: failure.description)
        }
    }

    /// Uploaded: the channel marks the rows. Refused by HQ for good: the run is bad input, nothing
    /// is marked. To try later: nothing is marked; the next attempt uploads them again.
    public func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws {
        guard let upload = effect as? Upload else { return }
        switch outcome {
        case .succeeded:
            let uploads = try transaction.channel().uploads
            try uploads.markTransactionsUploaded(ids: upload.transactions.map(\.id), at: context.now)
            try uploads.markRequestsUploaded(ids: upload.requests.map(\.requestId), at: context.now)
            if !upload.traces.isEmpty { try transaction.channel().traceContexts.forget(Array(upload.traces.keys)) }
        case .failed(let reason):
            throw BadInput("HQ refused the upload: \(reason)")
        case .retryLater, .unavailable:
            break
        }
    }

    /// The run sends nothing: what it did is its record in HQ and the marks in the channel.
    public func handle(
        _ envelope: Envelope<P0001Run>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        []
    }

    /// The batch into HQ, each row unless HQ holds it already (keyed by the channel's ids); returns
    /// the run's counts, recorded with it.
    static func upload(
        _ upload: Upload, into hq: any HQStoreTransaction, runId: String, worker: String, at now: Date, run: TraceContext? = nil
    ) throws -> [String: Int] {
        try hq.jobRuns.start(job: P0001Run.jobName, runId: runId, worker: worker, at: now)
        var counts = ["payments": 0, "orders": 0, "requests": 0, "already-uploaded": 0]
        let tracing = Telemetry.isTracing
        for transaction in upload.transactions {
            // The row's span, continuing its click; HQ keeps it for the sync job that posts the payment.
            let item = TracedItem(.transaction, transaction.id)
            let span =
                tracing ? Telemetry.itemSpan("P-0001 upload \(transaction.kind.rawValue)", continuing: upload.traces[item], run: run) : nil
            defer { span?.end() }
            if let span, let kept = Telemetry.traceContext(of: span.context), transaction.kind == .invoicePayment {
                try hq.traceContexts.keep(kept, for: TracedItem(.payment, transaction.id))
            }
            switch transaction.kind {
            case .invoicePayment:
                let new = try hq.paymentJournal.insertUnlessUploaded(
                    PaymentJournalLine(
                        channelPaymentId: transaction.id, customerAccount: transaction.customerAccount,
                        invoiceNumber: transaction.invoiceNumber, amount: transaction.amount,
                        paidOn: CalendarDate(transaction.createdAt), tender: transaction.tender, uploadedAt: now))
                counts[new ? "payments" : "already-uploaded", default: 0] += 1
            case .orderOnAccount:
                let new = try hq.salesOrders.insertUnlessUploaded(
                    SalesOrder(
                        orderNumber: "SO-\(transaction.id)", customerAccount: transaction.customerAccount,
                        channelOrderId: transaction.id, orderedOn: CalendarDate(transaction.createdAt),
                        onAccount: transaction.tender == "onAccount",
                        status: .uploaded, total: transaction.amount,
                        lines: String(decoding: try JSONEncoder().encode(transaction.lines), as: UTF8.self)))
                counts[new ? "orders" : "already-uploaded", default: 0] += 1
            }
        }
        for request in upload.requests {
            let item = TracedItem(.request, request.requestId)
            let span = tracing ? Telemetry.itemSpan("P-0001 upload request", continuing: upload.traces[item], run: run) : nil
            defer { span?.end() }
            if let span, let kept = Telemetry.traceContext(of: span.context) { try hq.traceContexts.keep(kept, for: item) }
            let new = try hq.channelRequests.insertUnlessUploaded(
                HQChannelRequest(
                    requestId: request.requestId, type: request.type, userLogin: request.userLogin,
                    invoiceNumber: request.invoiceNumber, customerAccount: request.customerAccount, receivedAt: now))
            counts[new ? "requests" : "already-uploaded", default: 0] += 1
        }
        try hq.jobRuns.finish(runId: runId, succeeded: true, counts: counts, error: nil, at: now)
        return counts
    }
}
