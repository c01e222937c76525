import Foundation
import Logging
import RemitCore
import RemitWorkers

extension WorkerDependencies {
    /// The SQLite stores of `dataDirectory` (`DataDirectoryStores`), opened when a kind needs them.
    public init(
        dataDirectory: String, clock: any WallClock = SystemWallClock(), logger: Logger, policy: StorefrontPolicy = StorefrontPolicy(),
        mail: MailSettings? = nil
    ) {
        self.init(stores: DataDirectoryStores(directory: dataDirectory), clock: clock, logger: logger, policy: policy, mail: mail)
    }
}
