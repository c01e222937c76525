import Foundation
import RemitCore

public struct SynchronizeRun: HQJobRun, Equatable {
    public static let messageType = "hq.sync.run"
    public static let schemaVersion = 1
    public static let jobName = "Synchronize orders and channel requests"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}
