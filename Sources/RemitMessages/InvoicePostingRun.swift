import Foundation
import RemitCore

public struct InvoicePostingRun: HQJobRun, Equatable {
    public static let messageType = "hq.invoice-posting.run"
    public static let schemaVersion = 1
    public static let jobName = "Invoice posting"
    public var requestedBy: String
    public init(requestedBy: String) { self.requestedBy = requestedBy }
}
