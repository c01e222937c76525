import Foundation
import Logging
import Metrics
import RemitCore
import RemitStore
import ServiceLifecycle

/// Keeps each store's inbox to the retention window: records of messages applied longer ago than
/// `retention` are deleted, oldest first, in small transactions with a pause between them, so the
/// workers' own writes (through the same pool's one writer) wait at most one small batch. The
/// window is the de-duplication horizon: a message redelivered or re-sent after it is applied again.
public struct InboxPruner: Service {
    public struct Settings: Sendable {
        public var retention: Duration
        /// Records deleted in one transaction.
        public var batchSize = 500
        /// Between two batches: the workers' writes go first.
        public var pause: Duration = .milliseconds(20)
        /// Between two passes over the stores (each also measures the inbox, `remit_inbox_records`).
        public var interval: Duration = .seconds(60)

        public init(retention: Duration) { self.retention = retention }
    }

    /// One pass over one store.
    public struct Pass: Sendable, Equatable {
        public var pruned: Int
        public var batches: Int
        /// Records left in the inbox.
        public var remaining: Int
    }

    let stores: [any MessageStoreBackend]
    let settings: Settings
    let clock: any WallClock
    let logger: Logger

    public init(stores: [any MessageStoreBackend], settings: Settings, clock: any WallClock, logger: Logger) {
        self.stores = stores
        self.settings = settings
        self.clock = clock
        var logger = logger
        logger[metadataKey: "component"] = "inbox-pruner"
        self.logger = logger
        // Made now, at 0: exported from the start, not first when something is pruned.
        for store in stores {
            _ = Self.prunedCounter(store)
            _ = Self.recordsGauge(store)
        }
    }

    /// A store's name in the metrics: its file's, `channel` or `hq`.
    static func metricsName(_ store: any MessageStoreBackend) -> String {
        ((store.path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// Set by each pass (the first at start).
    static func recordsGauge(_ store: any MessageStoreBackend) -> Gauge {
        Gauge(label: "remit_inbox_records", dimensions: [("store", metricsName(store))])
    }

    static func prunedCounter(_ store: any MessageStoreBackend) -> Counter {
        Counter(label: "remit_inbox_pruned_total", dimensions: [("store", metricsName(store))])
    }

    public func run() async throws {
        guard !stores.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        // Ends on graceful shutdown, and when the group is cancelled (another service failed).
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for store in stores where !Task.isShuttingDownGracefully && !Task.isCancelled {
                do { _ = try await prune(store) } catch is CancellationError {
                    return
                } catch {
                    // A store that fails now (busy, full, damaged) is tried again next pass; the
                    // workers report and pause on it themselves.
                    logger.warning(
                        "inbox pruning failed; trying again next pass", metadata: ["store": "\(store.path)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.interval) }
        }
    }

    /// Prunes `store` down to the window, batch by batch; stops early on graceful shutdown.
    public func prune(_ store: any MessageStoreBackend) async throws -> Pass {
        let seconds = Double(settings.retention.components.seconds)
        let cutoff = clock.now().addingTimeInterval(-seconds)
        var pass = Pass(pruned: 0, batches: 0, remaining: 0)
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            let batchSize = settings.batchSize
            let pruned = try await store.write { transaction in
                try transaction.inbox.prune(appliedBefore: cutoff, limit: batchSize)
            }
            if pruned == 0 { break }
            pass.pruned += pruned
            pass.batches += 1
            Self.prunedCounter(store).increment(by: pruned)
            if pruned < settings.batchSize { break }
            try? await Task.sleep(for: settings.pause)
        }
        pass.remaining = try await store.read { transaction in try transaction.inbox.count() }
        Self.recordsGauge(store).record(pass.remaining)
        if pass.pruned > 0 {
            logger.info(
                "inbox pruned",
                metadata: [
                    "store": "\(store.path)", "pruned": "\(pass.pruned)", "batches": "\(pass.batches)",
                    "applied_before": "\(Timestamp.format(cutoff))", "remaining": "\(pass.remaining)",
                ])
        }
        return pass
    }
}
