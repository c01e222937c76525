import Foundation
import RemitCore

/// A subschema with its keywords read out once. Schemas were checked when they loaded (unknown
/// keywords and malformed values refused), so compiling only reads.
indirect enum SchemaNode: Sendable {
    /// `true`, or a non-object the load check already refused.
    case anything
    /// `false`.
    case nothing
    case rules(Rules)

    struct Reference: Sendable {
        /// As written, for messages.
        var text: String
        /// The document and pointer it resolves to (`referenced`'s key); nil when it does not resolve.
        var target: String?
        /// The file it is written in and its text: meeting the same one twice for one value is a cycle.
        var cycleKey: String
    }

    struct Rules: Sendable {
        var reference: Reference?
        var types: [String]?
        var options: [JSONValue]?
        var constant: JSONValue?
        var minLength: Int64?
        var maxLength: Int64?
        var pattern: String?
        var format: String?
        var minimum: JSONValue?
        var maximum: JSONValue?
        var exclusiveMinimum: JSONValue?
        var exclusiveMaximum: JSONValue?
        var minItems: Int64?
        var maxItems: Int64?
        var items: SchemaNode?
        var required: [String] = []
        var properties: [String: SchemaNode] = [:]
        var additionalProperties: SchemaNode?
    }
}
