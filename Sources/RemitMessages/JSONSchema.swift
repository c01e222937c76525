import Foundation
import RemitCore

/// A validator for the part of JSON Schema (2020-12) that Remit's message schemas use: boolean
/// schemas, `type`, `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`,
/// `pattern`, `minLength`, `maxLength`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `minItems`, `maxItems`, `format` (`date-time`, `uuid`, as assertions), and
/// `$ref` to a JSON pointer in the same document or in a sibling file (`money.schema.json#/$defs/money`).
/// Anything else — an unsupported keyword or format, a malformed keyword value, a `$id` below the
/// root — is refused when the schema loads, so a schema never silently checks less than it says.
/// `Tests/RemitUnitTests/JSONSchemaTestSuite` holds the official test cases it is checked against.
public struct JSONSchema: Sendable {
    public let name: String
    let root: JSONValue
    let siblings: [String: JSONValue]
    /// Every `pattern`, compiled once when the schema loads (not once per string checked).
    let patterns: CompiledPatterns

    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "examples", "$comment",
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern",
        "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minItems", "maxItems", "format",
    ]
    static let assertedFormats: Set<String> = ["date-time", "uuid"]
    static let draft = "https://json-schema.org/draft/2020-12/schema"
    private static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// `siblings` are the other schema files by name, for `$ref`s that name a file; they are checked
    /// like `root`, since a reference can lead into any of them.
    public init(name: String, root: JSONValue, siblings: [String: JSONValue] = [:]) throws {
        self.name = name
        self.root = root
        self.siblings = siblings
        var patterns: [String: NSRegularExpression] = [:]
        try Self.checkKeywords(root, path: name, isRoot: true, patterns: &patterns)
        for (file, sibling) in siblings where file != name {
            try Self.checkKeywords(sibling, path: file, isRoot: true, patterns: &patterns)
        }
        self.patterns = CompiledPatterns(patterns)
    }

    private static func checkKeywords(
        _ schema: JSONValue, path: String, isRoot: Bool,
        patterns: inout [String: NSRegularExpression]
    ) throws {
        if case .bool = schema { return }
        guard case .object(let object) = schema else {
            throw SchemaViolation(path: path, message: "a schema must be an object or a boolean")
        }
        for (key, value) in object {
            func refusal(_ message: String) -> SchemaViolation { SchemaViolation(path: "\(path)/\(key)", message: message) }
            guard supportedKeywords.contains(key) else {
                throw SchemaViolation(path: path, message: "schema keyword '\(key)' is not supported by Remit's validator")
            }
            switch key {
            case "$schema":
                guard value == .string(draft) else { throw refusal("only draft 2020-12 (\(draft)) is supported") }
            case "$id":
                // References resolve against sibling file names, so an $id may only name its file.
                guard isRoot else { throw refusal("'$id' below a schema's root is not supported") }
            case "$ref":
                guard value.stringValue != nil else { throw refusal("must be a string") }
            case "properties", "$defs":
                guard let members = value.objectValue else { throw refusal("must be an object") }
                for (member, nested) in members {
                    try checkKeywords(nested, path: "\(path)/\(key)/\(member)", isRoot: false, patterns: &patterns)
                }
            case "items", "additionalProperties":
                try checkKeywords(value, path: "\(path)/\(key)", isRoot: false, patterns: &patterns)
            case "type":
                let names = value.arrayValue ?? [value]
                guard !names.isEmpty, names.allSatisfy({ typeNames.contains($0.stringValue ?? "") }) else {
                    throw refusal("must name JSON types")
                }
            case "required":
                guard value.arrayValue?.allSatisfy({ $0.stringValue != nil }) == true else { throw refusal("must be an array of strings") }
            case "enum":
                guard value.arrayValue != nil else { throw refusal("must be an array") }
            case "pattern":
                guard let pattern = value.stringValue, let compiled = try? NSRegularExpression(pattern: pattern) else {
                    throw refusal("must be a regular expression")
                }
                patterns[pattern] = compiled
            case "format":
                guard let format = value.stringValue, assertedFormats.contains(format) else {
                    throw refusal("format \(value) is not checked by Remit's validator")
                }
            case "minLength", "maxLength", "minItems", "maxItems":
                guard let count = value.integralValue, count >= 0 else { throw refusal("must be a non-negative integer") }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard value.isNumber else { throw refusal("must be a number") }
            default:
                break
            }
        }
    }

    /// Every violation in `instance`, each with its JSON path; empty when valid.
    public func violations(of instance: JSONValue) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        check(instance, against: root, in: Document(name: name, root: root), path: "$", followedReferences: [], into: &found)
        return found
    }

    public func validate(_ instance: JSONValue) throws {
        if let first = violations(of: instance).first { throw first }
    }

    /// The schema file a subschema was read from, which a `#…` reference in it points into.
    private struct Document {
        var name: String
        var root: JSONValue
    }

    private func resolve(_ reference: String, from document: Document) -> (schema: JSONValue, document: Document)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var target = document
        if let file = parts.first, !file.isEmpty {
            guard let sibling = siblings[String(file)] else { return nil }
            target = Document(name: String(file), root: sibling)
        }
        let pointer = parts.count == 2 ? parts[1] : ""
        // Only JSON pointers: a plain-name fragment would need $anchor, which is not supported.
        guard pointer.isEmpty || pointer.hasPrefix("/") else { return nil }
        var node = target.root
        for escaped in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            // A fragment is percent-encoded, and JSON Pointer escapes '/' as ~1 and '~' as ~0 (RFC 6901).
            guard
                let token = String(escaped).removingPercentEncoding?
                    .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            else { return nil }
            switch node {
            case .object(let members):
                guard let next = members[token] else { return nil }
                node = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { return nil }
                node = elements[index]
            default:
                return nil
            }
        }
        return (node, target)
    }

    /// `followedReferences` are the references already followed for this same value: meeting one
    /// again is a cycle that would never end, so it is reported instead.
    private func check(
        _ value: JSONValue, against schema: JSONValue, in document: Document, path: String,
        followedReferences: Set<String>, into found: inout [SchemaViolation]
    ) {
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }
        func checkNested(_ nested: JSONValue, against nestedSchema: JSONValue, path nestedPath: String) {
            check(nested, against: nestedSchema, in: document, path: nestedPath, followedReferences: [], into: &found)
        }
        let rules: [String: JSONValue]
        switch schema {
        case .object(let object): rules = object
        case .bool(false): fail("no value is allowed here"); return
        default: return  // `true`; other values are refused when the schema loads
        }

        if let reference = rules["$ref"]?.stringValue {
            if let (target, targetDocument) = resolve(reference, from: document) {
                let key = "\(document.name) \(reference)"
                if followedReferences.contains(key) {
                    fail("schema reference '\(reference)' leads back to itself")
                } else {
                    check(
                        value, against: target, in: targetDocument, path: path,
                        followedReferences: followedReferences.union([key]), into: &found)
                }
            } else {
                fail("schema reference '\(reference)' cannot be resolved")
            }
        }
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            let matches = allowed.contains { name in
                switch name {
                case "number": return value.isNumber
                case "integer": return value.integralValue != nil
                default: return name == value.typeName
                }
            }
            if !matches {
                fail("expected \(allowed.joined(separator: " or ")), found \(value.typeName)")
                return
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(where: value.equalsInJSONSchema) {
            // A long list (the currencies) is named by its size, not printed whole into a dead-letter header.
            let allowed =
                options.count <= 12
                ? options.map(\.description).joined(separator: ", ")
                : options.prefix(5).map(\.description).joined(separator: ", ") + ", … (\(options.count) values in all)"
            fail("must be one of \(allowed), found \(value.description.prefix(80))")
        }
        if let constant = rules["const"], !constant.equalsInJSONSchema(value) {
            fail("must be \(constant), found \(value)")
        }
        switch value {
        case .string(let string):
            // JSON Schema counts a string's length in code points, not in grapheme clusters.
            let length = string.unicodeScalars.count
            if let minimum = rules["minLength"]?.integralValue, length < minimum { fail("must have at least \(minimum) characters") }
            if let maximum = rules["maxLength"]?.integralValue, length > maximum { fail("must have at most \(maximum) characters") }
            if let pattern = rules["pattern"]?.stringValue, !patterns.matches(pattern, in: string) {
                fail("'\(string.prefix(80))' does not match the pattern \(pattern)")
            }
            if let format = rules["format"]?.stringValue {
                switch format {
                case "date-time" where Timestamp.parse(string) == nil:
                    fail("'\(string.prefix(80))' is not an ISO 8601 date-time")
                case "uuid" where UUID(uuidString: string) == nil:
                    fail("'\(string.prefix(80))' is not a UUID")
                default: break
                }
            }
        case .integer, .number:
            func violatedLimit(_ keyword: String, when refused: [ComparisonResult]) -> JSONValue? {
                guard let limit = rules[keyword], let order = value.compareNumber(to: limit), refused.contains(order) else { return nil }
                return limit
            }
            if let limit = violatedLimit("minimum", when: [.orderedAscending]) { fail("must be at least \(limit)") }
            if let limit = violatedLimit("exclusiveMinimum", when: [.orderedAscending, .orderedSame]) {
                fail("must be more than \(limit)")
            }
            if let limit = violatedLimit("maximum", when: [.orderedDescending]) { fail("must be at most \(limit)") }
            if let limit = violatedLimit("exclusiveMaximum", when: [.orderedDescending, .orderedSame]) {
                fail("must be less than \(limit)")
            }
        case .array(let elements):
            if let minimum = rules["minItems"]?.integralValue, elements.count < minimum { fail("must have at least \(minimum) items") }
            if let maximum = rules["maxItems"]?.integralValue, elements.count > maximum { fail("must have at most \(maximum) items") }
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() {
                    checkNested(element, against: items, path: "\(path)[\(index)]")
                }
            }
        case .object(let object):
            for required in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
                fail("missing required property '\(required)'")
            }
            let properties = rules["properties"]?.objectValue ?? [:]
            for (key, element) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] {
                    checkNested(element, against: propertySchema, path: "\(path).\(key)")
                } else if let additional = rules["additionalProperties"] {
                    if additional == .bool(false) {
                        fail("property '\(key)' is not allowed")
                    } else {
                        checkNested(element, against: additional, path: "\(path).\(key)")
                    }
                }
            }
        case .null, .bool:
            break
        }
    }
}

public struct SchemaViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

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
