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
        /// The index of what it resolves to in `JSONSchema.referenced`; nil when it does not resolve.
        var target: Int?
        /// The file it is written in and its text, numbered: meeting the same one twice for one
        /// value is a cycle.
        var cycleID: Int
    }

    /// Property names as one run of ASCII bytes, found by length and bytes with no `String` made
    /// and nothing retained per name tried.
    struct PropertyTable: Sendable {
        private var bytes: [UInt8] = []
        private var ranges: [Range<Int>] = []
        private(set) var schemas: [SchemaNode] = []
        private(set) var required: [Bool] = []

        init(_ properties: [(name: String, schema: SchemaNode, required: Bool)]) {
            for property in properties {
                let start = bytes.count
                bytes.append(contentsOf: property.name.utf8)
                ranges.append(start..<bytes.count)
                schemas.append(property.schema)
                required.append(property.required)
            }
        }

        /// The index of the property named `key`, or nil.
        func find(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
            bytes.withUnsafeBufferPointer { names in
                ranges.withUnsafeBufferPointer { ranges in
                    for (index, range) in ranges.enumerated() where range.count == key.count {
                        if key.isEmpty || memcmp(names.baseAddress! + range.lowerBound, key.baseAddress!, key.count) == 0 {
                            return index
                        }
                    }
                    return nil
                }
            }
        }
    }

    /// A class, so a check passes one reference down rather than copying a score of fields.
    // @unchecked Sendable: the compiler fills it in, and it is never changed after compiling.
    final class Rules: @unchecked Sendable {
        var reference: Reference?
        var types: [String]?
        var options: [JSONValue]?
        var constant: JSONValue?
        var minLength: Int64?
        var maxLength: Int64?
        var pattern: CompiledPattern?
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
        /// `options` when every one is a string, for a look-up instead of a walk down the list.
        var stringOptions: Set<String>?
        /// `properties` as UTF-8 names, when every name is ASCII: a key written in plain ASCII is
        /// found by comparing bytes, with no `String` made of it.
        var asciiProperties: PropertyTable?
        /// Every `required` name is one of `asciiProperties`: an object whose plain ASCII keys met
        /// `required.count` required ones has them all (keys are unique in a tape), with no look-up.
        var requiredAreCounted = false

        /// The schema of `object`'s member whose key is node `key`, if `properties` names it; with
        /// whether it is required, when that is known without a look-up (nil when it is not).
        func property(_ key: Int, in tape: JSONTape) -> (schema: SchemaNode, required: Bool?)? {
            if let asciiProperties, let found = tape.withPlainASCIIBytes(key, asciiProperties.find) {
                guard let index = found else { return nil }
                return (asciiProperties.schemas[index], asciiProperties.required[index])
            }
            guard !properties.isEmpty, let schema = properties[tape.string(key)] else { return nil }
            return (schema, nil)
        }

        /// Whether node `node` is one of `options` (JSON Schema's equality: strings by code points,
        /// numbers by value).
        func allows(_ node: Int, in tape: JSONTape) -> Bool {
            guard let options else { return true }
            if let stringOptions, tape.kind(node) == .string {
                let text = tape.string(node)
                // The set compares canonically; code-point equality implies it, so a miss is a miss.
                guard let found = stringOptions.firstIndex(of: text) else { return false }
                if stringOptions[found].unicodeScalars.elementsEqual(text.unicodeScalars) { return true }
            }
            let value = tape.value(node)
            return options.contains(where: value.equalsInJSONSchema)
        }
    }
}
