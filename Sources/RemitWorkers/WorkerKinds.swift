import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitHQ
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore
import Synchronization

/// The handler of each worker kind named in `Topology/workers.json`. Adding a kind is one handler
/// file plus one line here.
public enum WorkerKinds {
    public static let handlers: [String: @Sendable (WorkerDependencies) throws -> any MessageHandler] = [
        "smoke": { _ in SmokeRecordHandler() },
        "hq-p0001": { P0001Upload(hq: try $0.stores.hq(), worker: $0.workerName) },
        "hq-sync": { HQJobHandler(job: SynchronizeJob(), worker: $0.workerName) },
        "hq-invoice-posting": { HQJobHandler(job: InvoicePostingJob(), worker: $0.workerName) },
        "hq-distribution": { HQJobHandler(job: DistributionJob(), worker: $0.workerName) },
        "hq-collection-letters": { HQJobHandler(job: CollectionLettersJob(), worker: $0.workerName) },
        "channel-updates": { _ in ChannelUpdates.handler },
        "cart-validation": { countingCommands(CartValidation.handler(policy: $0.policy)) },
        "payment-posting": { countingCommands(PaymentPosting.handler(policy: $0.policy)) },
        "invoice-requests": { countingCommands(InvoiceRequestHandler(policy: $0.policy)) },
        "email-dispatch": { try EmailDispatch(mail: try $0.mailSettings) },
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
