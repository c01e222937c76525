import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitHQ
import RemitMail
import RemitMessages
import RemitRuntime
import RemitStore
import Synchronization

/// What handlers may need from the process: the stores, the clock, and who runs them.
public struct WorkerDependencies: Sendable {
    public var stores: any WorkerStores
    public var clock: any WallClock
    public var logger: Logger
    /// Names this process in job-run records (`host:pid`).
    public var workerName: String
    /// The deployment's storefront choices (mixed carts, on account for invoices, request merging).
    public var policy: StorefrontPolicy
    /// Where invoice e-mails go; nil: the file outbox under the data directory.
    public var mail: MailSettings?

    public init(
        stores: any WorkerStores, clock: any WallClock = SystemWallClock(), logger: Logger,
        workerName: String = "\(ProcessHost.local.name):\(getpid())", policy: StorefrontPolicy = StorefrontPolicy(),
        mail: MailSettings? = nil
    ) {
        self.stores = stores
        self.clock = clock
        self.logger = logger
        self.workerName = workerName
        self.policy = policy
        self.mail = mail
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
    public func store(for kind: WorkerKindSpec) throws -> any MessageStoreBackend {
        kind.storeName == "hq" ? try stores.hq() : try stores.channel()
    }
}
