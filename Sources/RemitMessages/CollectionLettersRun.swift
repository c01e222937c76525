import Foundation
import RemitCore

public struct CollectionLettersRun: HQJobRun, Equatable {
    public static let messageType = "hq.collection-letters.run"
    public static let schemaVersion = 1
    public static let jobName = "Collection letters"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}
