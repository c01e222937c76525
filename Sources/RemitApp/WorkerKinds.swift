import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitHQ
import RemitRuntime
import RemitStore

/// What handlers may need from the process: the stores, the clock, and who runs them.
public struct WorkerDependencies: Sendable {
    public var channelStore: ChannelStore
    public var hqStore: HQStore
    public var clock: any WallClock
    public var logger: Logger
    /// Names this process in job-run records (`host:pid`).
    public var workerName: String

    public init(channelStore: ChannelStore, hqStore: HQStore, clock: any WallClock, logger: Logger,
                workerName: String = "\(ProcessInfo.processInfo.hostName):\(getpid())") {
        self.channelStore = channelStore
        self.hqStore = hqStore
        self.clock = clock
        self.logger = logger
        self.workerName = workerName
    }

    /// Opens the stores in `dataDirectory`.
    public init(dataDirectory: String, clock: any WallClock = SystemWallClock(), logger: Logger) throws {
        self.init(channelStore: try ChannelStore(dataDirectory: dataDirectory), hqStore: try HQStore(dataDirectory: dataDirectory),
                  clock: clock, logger: logger)
    }

    /// The store a kind applies messages to, as `Topology/workers.json` names it.
    public func store(for kind: WorkerKindSpec) -> any MessageStore {
        kind.storeName == "hq" ? hqStore : channelStore
    }
}

/// The handler of each worker kind named in `Topology/workers.json`. Adding a kind is one handler
/// file plus one line here.
public enum WorkerKinds {
    public static let handlers: [String: @Sendable (WorkerDependencies) -> any MessageHandler] = [
        "smoke": { SmokeRecordHandler(clock: $0.clock) },
        "hq-p0001": { P0001Upload(hq: $0.hqStore, clock: $0.clock, worker: $0.workerName) },
        "hq-sync": { HQJobHandler(job: SynchronizeJob(), clock: $0.clock, worker: $0.workerName) },
        "hq-invoice-posting": { HQJobHandler(job: InvoicePostingJob(), clock: $0.clock, worker: $0.workerName) },
        "hq-distribution": { HQJobHandler(job: DistributionJob(), clock: $0.clock, worker: $0.workerName) },
        "channel-updates": { ChannelUpdateHandler(clock: $0.clock) },
    ]

    public static func handler(for kind: String, dependencies: WorkerDependencies) throws -> any MessageHandler {
        guard let make = handlers[kind] else {
            throw TopologyError(problems: ["worker kind '\(kind)' has no handler in this build of remit"])
        }
        return make(dependencies)
    }

    /// A runtime for `kind` with its handler and store.
    public static func runtime(for kind: WorkerKindSpec, topology: Topology, amqp: AMQPConfiguration,
                               dependencies: WorkerDependencies, settings: WorkerRuntime.Settings) throws -> WorkerRuntime {
        WorkerRuntime(kind: kind, topology: topology, amqp: amqp,
                      handler: try handler(for: kind.name, dependencies: dependencies),
                      store: dependencies.store(for: kind), clock: dependencies.clock, settings: settings,
                      logger: dependencies.logger)
    }
}
