import Foundation
import RemitCore

public struct TopologyError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String {
        problems.count == 1 ? problems[0] : "topology problems:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
