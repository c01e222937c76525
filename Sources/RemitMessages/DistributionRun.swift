import Foundation
import RemitCore

public struct DistributionRun: HQJobRun, Equatable {
    public static let messageType = "hq.distribution.run"
    public static let schemaVersion = 1
    public static let jobName = "Distribution"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}
