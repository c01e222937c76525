import Foundation
import RemitCore

/// One step of a path into a checked value.
enum SchemaPathStep {
    case key(String)
    case index(Int)
    /// A member of the checked object, by its key's node in the tape being checked (the key is made
    /// a `String` only when a violation names it).
    case member(Int)

    static func spell(_ steps: [SchemaPathStep], in tape: JSONTape) -> String {
        var text = "$"
        for step in steps {
            switch step {
            case .key(let key): text += ".\(SchemaViolation.shown(key))"
            case .index(let index): text += "[\(index)]"
            case .member(let key): text += ".\(SchemaViolation.shown(tape.string(key)))"
            }
        }
        return text
    }
}
