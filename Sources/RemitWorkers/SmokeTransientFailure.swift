import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

public struct SmokeTransientFailure: Error, CustomStringConvertible {
    public var attempt: Int
    public var description: String { "smoke record asked to fail on attempt \(attempt)" }
}
