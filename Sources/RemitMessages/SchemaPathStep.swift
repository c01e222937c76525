import Foundation
import RemitCore

/// One step of a path into a checked value.
enum SchemaPathStep {
    case key(String)
    case index(Int)

    static func spell(_ steps: [SchemaPathStep]) -> String {
        var text = "$"
        for step in steps {
            switch step {
            case .key(let key): text += ".\(SchemaViolation.shown(key))"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}
