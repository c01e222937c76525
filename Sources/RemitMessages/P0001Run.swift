import Foundation
import RemitCore

public struct P0001Run: HQJobRun, Equatable {
    public static let messageType = "hq.p-0001.run"
    public static let schemaVersion = 1
    public static let jobName = "P-0001"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}
