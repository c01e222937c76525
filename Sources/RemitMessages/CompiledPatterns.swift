import Foundation
import RemitCore

/// A schema's regular expressions, compiled once.
// @unchecked Sendable: the dictionary is never changed after init, and NSRegularExpression is
// immutable and documented as safe to use from several threads.
final class CompiledPatterns: @unchecked Sendable {
    private let compiled: [String: NSRegularExpression]

    init(_ compiled: [String: NSRegularExpression]) { self.compiled = compiled }

    /// Whether `pattern` matches somewhere in `string`, as JSON Schema's `pattern` asks (unanchored).
    func matches(_ pattern: String, in string: String) -> Bool {
        guard let regex = compiled[pattern] else {
            // Not seen at load (cannot happen for a checked schema): compile it now.
            return string.range(of: pattern, options: .regularExpression) != nil
        }
        return regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }
}
