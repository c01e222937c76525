import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitHQ
import RemitMail
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import Synchronization

/// The data directory's stores, each opened the first time a worker kind asks for it — a kind
/// never opens (or is stopped by) a store it does not use.
public final class DataDirectoryStores: Sendable {
    public let directory: String
    private let opened: Mutex<(channel: ChannelStore?, hq: HQStore?)>

    public init(directory: String) {
        self.directory = directory
        opened = Mutex((nil, nil))
    }

    /// Stores opened already (tests).
    public init(channel: ChannelStore, hq: HQStore) {
        directory = (channel.path as NSString).deletingLastPathComponent
        opened = Mutex((channel, hq))
    }

    public func channel() throws -> ChannelStore { try openOnce(\.channel) }

    public func hq() throws -> HQStore { try openOnce(\.hq) }

    /// The stores opened so far (by the kinds this process runs).
    public var openedStores: [any MessageStore] {
        opened.withLock { opened in [opened.channel as (any MessageStore)?, opened.hq].compactMap { $0 } }
    }

    private func openOnce<Store: DataDirectoryStore>(
        _ slot: WritableKeyPath<(channel: ChannelStore?, hq: HQStore?), Store?>
    ) throws -> Store {
        try opened.withLock { opened in
            if let store = opened[keyPath: slot] { return store }
            let store = try Store(dataDirectory: directory)
            opened[keyPath: slot] = store
            return store
        }
    }
}

/// What handlers may need from the process: the stores, the clock, and who runs them.
public struct WorkerDependencies: Sendable {
    public var stores: DataDirectoryStores
    public var clock: any WallClock
    public var logger: Logger
    /// Names this process in job-run records (`host:pid`).
    public var workerName: String
    /// The deployment's storefront choices (mixed carts, on account for invoices, request merging).
    public var policy: StorefrontPolicy
    /// Where invoice e-mails go; nil: the file outbox under the data directory.
    public var mail: MailSettings?

    public init(
        stores: DataDirectoryStores, clock: any WallClock = SystemWallClock(), logger: Logger,
        workerName: String = "\(ProcessInfo.processInfo.hostName):\(getpid())", policy: StorefrontPolicy = StorefrontPolicy(),
        mail: MailSettings? = nil
    ) {
        self.stores = stores
        self.clock = clock
        self.logger = logger
        self.workerName = workerName
        self.policy = policy
        self.mail = mail
    }

    /// The stores of `dataDirectory`, opened when a kind needs them.
    public init(
        dataDirectory: String, clock: any WallClock = SystemWallClock(), logger: Logger, policy: StorefrontPolicy = StorefrontPolicy(),
        mail: MailSettings? = nil
    ) {
        self.init(stores: DataDirectoryStores(directory: dataDirectory), clock: clock, logger: logger, policy: policy, mail: mail)
    }

    /// The mail settings, or the file outbox `DATA_DIR/outbox` from the default sender.
    public var mailSettings: MailSettings {
        get throws {
            if let mail { return mail }
            return MailSettings(
                transport: FileOutbox(directory: (stores.directory as NSString).appendingPathComponent("outbox")),
                from: try MailAddress("invoices@remit.invalid", name: "Remit"))
        }
    }

    /// The store a kind applies messages to, as `Topology/workers.json` names it.
    public func store(for kind: WorkerKindSpec) throws -> any MessageStore {
        kind.storeName == "hq" ? try stores.hq() : try stores.channel()
    }
}

/// The handler of each worker kind named in `Topology/workers.json`. Adding a kind is one handler
/// file plus one line here.
public enum WorkerKinds {
    public static let handlers: [String: @Sendable (WorkerDependencies) throws -> any MessageHandler] = [
        "smoke": { _ in SmokeRecordHandler() },
        "hq-p0001": { P0001Upload(hq: try $0.stores.hq(), worker: $0.workerName) },
        "hq-sync": { HQJobHandler(job: SynchronizeJob(), worker: $0.workerName) },
        "hq-invoice-posting": { HQJobHandler(job: InvoicePostingJob(), worker: $0.workerName) },
        "hq-distribution": { HQJobHandler(job: DistributionJob(), worker: $0.workerName) },
        "channel-updates": { _ in ChannelUpdates.handler },
        "cart-validation": { countingCommands(CartValidation.handler(policy: $0.policy)) },
        "payment-posting": { countingCommands(PaymentPosting.handler(policy: $0.policy)) },
        "invoice-requests": { countingCommands(InvoiceRequestHandler(policy: $0.policy)) },
        "email-dispatch": { try EmailDispatchHandler(mail: try $0.mailSettings) },
    ]

    public static func handler(for kind: String, dependencies: WorkerDependencies) throws -> any MessageHandler {
        guard let make = handlers[kind] else {
            throw TopologyError(problems: ["worker kind '\(kind)' has no handler in this build of remit"])
        }
        return try make(dependencies)
    }

    /// A runtime for `kind` with its handler and store.
    public static func runtime(
        for kind: WorkerKindSpec, topology: Topology, amqp: AMQPConfiguration,
        dependencies: WorkerDependencies, settings: WorkerRuntime.Settings
    ) throws -> WorkerRuntime {
        WorkerRuntime(
            kind: kind, topology: topology, amqp: amqp,
            handler: try handler(for: kind.name, dependencies: dependencies),
            store: try dependencies.store(for: kind), clock: dependencies.clock, settings: settings,
            logger: dependencies.logger)
    }
}
