import Foundation
import RemitCore

/// A schema's `pattern`, compiled once when the schema loads: as a `BytePattern` where it is one
/// of the simple kind (matched over the string's bytes), and always as an `NSRegularExpression`
/// for everything the byte matcher does not decide.
// @unchecked Sendable: both are immutable after init, and NSRegularExpression is documented as
// safe to use from several threads.
final class CompiledPattern: @unchecked Sendable {
    let text: String
    private let bytes: BytePattern?
    private let regex: NSRegularExpression

    init(_ text: String, regex: NSRegularExpression) {
        self.text = text
        self.regex = regex
        bytes = BytePattern(text)
    }

    /// Whether the pattern matches somewhere in `string`, as JSON Schema's `pattern` asks (unanchored).
    func matches(_ string: String) -> Bool {
        if let decided = bytes?.matches(string) { return decided }
        return regexMatches(string)
    }

    /// Whether the pattern matches somewhere in string node `node` of `tape`; a plain ASCII string
    /// is matched over its bytes where it can be, with no `String` made of it.
    func matches(_ node: Int, in tape: JSONTape) -> Bool {
        if let bytes, let decided = tape.withPlainASCIIBytes(node, { bytes.matches(bytes: $0) }) ?? nil { return decided }
        return matches(tape.string(node))
    }

    /// The answer of `NSRegularExpression` alone (what the byte matcher is tested against).
    func regexMatches(_ string: String) -> Bool {
        regex.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
    }

    /// Whether the byte matcher handles this pattern at all.
    var isSimple: Bool { bytes != nil }
}
