import Foundation
import Logging
import RemitCore
import RemitStore

/// What handlers may need from the process: the stores and the clock.
public struct WorkerDependencies: Sendable {
    public var channelStore: ChannelStore
    public var clock: any WallClock
    public var logger: Logger

    public init(channelStore: ChannelStore, clock: any WallClock, logger: Logger) {
        self.channelStore = channelStore
        self.clock = clock
        self.logger = logger
    }
}

/// The handler of each worker kind named in `Topology/workers.json`. Adding a kind is one handler
/// file plus one line here.
public enum WorkerKinds {
    public static let handlers: [String: @Sendable (WorkerDependencies) -> any MessageHandler] = [
        "smoke": { SmokeRecordHandler(clock: $0.clock) },
    ]

    public static func handler(for kind: String, dependencies: WorkerDependencies) throws -> any MessageHandler {
        guard let make = handlers[kind] else {
            throw TopologyError(problems: ["worker kind '\(kind)' has no handler in this build of remit"])
        }
        return make(dependencies)
    }
}
