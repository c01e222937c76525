import Foundation
import RemitCore
import RemitMessages
import RemitStore

public enum HQError: Error, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let text): return text
        }
    }
}
