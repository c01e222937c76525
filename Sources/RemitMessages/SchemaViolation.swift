import Foundation
import RemitCore

public struct SchemaViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    /// A value from the message as a violation quotes it: at most 80 characters, and every control,
    /// format (direction overrides) or line-separator character written as `\u{…}`, so that a
    /// hostile value cannot start a new line, or turn text around, in a log or a dead letter's header.
    public static func shown(_ text: some StringProtocol) -> String {
        var shown = ""
        for scalar in text.prefix(80).unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                shown += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }
}
