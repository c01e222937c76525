import Foundation
import RemitCore

public enum HQJobs {
    public static let all = [
        HQJobDescriptor(P0001Run.self), HQJobDescriptor(SynchronizeRun.self),
        HQJobDescriptor(InvoicePostingRun.self), HQJobDescriptor(DistributionRun.self), HQJobDescriptor(CollectionLettersRun.self),
    ]

    /// The job with this name (any case) or run message type.
    public static func named(_ name: String) -> HQJobDescriptor? {
        all.first { $0.name.caseInsensitiveCompare(name) == .orderedSame || $0.messageType == name }
    }
}
