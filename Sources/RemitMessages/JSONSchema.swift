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
    /// The schema read into `SchemaNode`s once, so a check does no look-ups by keyword name.
    let compiled: SchemaNode
    /// The target of every `$ref` reachable from the root, by `SchemaNode.Reference.target`.
    let referenced: [String: SchemaNode]

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
        var compiler = SchemaCompiler(siblings: siblings)
        compiled = compiler.compile(root, in: Document(name: name, root: root))
        referenced = compiler.finish()
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
        var path: [SchemaPathStep] = []
        check(instance, against: compiled, path: &path, followedReferences: [], into: &found)
        return found
    }

    public func validate(_ instance: JSONValue) throws {
        if let first = violations(of: instance).first { throw first }
    }

    /// The schema file a subschema was read from, which a `#…` reference in it points into.
    struct Document {
        var name: String
        var root: JSONValue
    }

    /// The path is kept as steps and spelled out (`$.body.amount`) only for a violation: checking a
    /// valid message builds no strings.
    private func check(
        _ value: JSONValue, against node: SchemaNode, path: inout [SchemaPathStep],
        followedReferences: Set<String>, into found: inout [SchemaViolation]
    ) {
        func fail(_ message: String) { found.append(SchemaViolation(path: SchemaPathStep.spell(path), message: message)) }
        func checkNested(_ nested: JSONValue, against nestedNode: SchemaNode, step: SchemaPathStep) {
            path.append(step)
            check(nested, against: nestedNode, path: &path, followedReferences: [], into: &found)
            path.removeLast()
        }
        let rules: SchemaNode.Rules
        switch node {
        case .anything: return
        case .nothing: fail("no value is allowed here"); return
        case .rules(let compiledRules): rules = compiledRules
        }

        if let reference = rules.reference {
            if let targetKey = reference.target, let target = referenced[targetKey] {
                if followedReferences.contains(reference.cycleKey) {
                    fail("schema reference '\(reference.text)' leads back to itself")
                } else {
                    check(
                        value, against: target, path: &path,
                        followedReferences: followedReferences.union([reference.cycleKey]), into: &found)
                }
            } else {
                fail("schema reference '\(reference.text)' cannot be resolved")
            }
        }
        if let allowed = rules.types {
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
        if let options = rules.options, !options.contains(where: value.equalsInJSONSchema) {
            // A long list (the currencies) is named by its size, not printed whole into a dead-letter header.
            let allowed =
                options.count <= 12
                ? options.map(\.description).joined(separator: ", ")
                : options.prefix(5).map(\.description).joined(separator: ", ") + ", … (\(options.count) values in all)"
            fail("must be one of \(allowed), found \(value.description.prefix(80))")
        }
        if let constant = rules.constant, !constant.equalsInJSONSchema(value) {
            fail("must be \(constant), found \(value)")
        }
        switch value {
        case .string(let string):
            if rules.minLength != nil || rules.maxLength != nil {
                // JSON Schema counts a string's length in code points, not in grapheme clusters.
                let length = string.unicodeScalars.count
                if let minimum = rules.minLength, length < minimum { fail("must have at least \(minimum) characters") }
                if let maximum = rules.maxLength, length > maximum { fail("must have at most \(maximum) characters") }
            }
            if let pattern = rules.pattern, !patterns.matches(pattern, in: string) {
                fail("'\(SchemaViolation.shown(string))' does not match the pattern \(pattern)")
            }
            if let format = rules.format {
                switch format {
                case "date-time" where Timestamp.parse(string) == nil:
                    fail("'\(SchemaViolation.shown(string))' is not an ISO 8601 date-time")
                case "uuid" where UUID(uuidString: string) == nil:
                    fail("'\(SchemaViolation.shown(string))' is not a UUID")
                default: break
                }
            }
        case .integer, .number:
            func violated(_ limit: JSONValue?, when refused: [ComparisonResult]) -> JSONValue? {
                guard let limit, let order = value.compareNumber(to: limit), refused.contains(order) else { return nil }
                return limit
            }
            if let limit = violated(rules.minimum, when: [.orderedAscending]) { fail("must be at least \(limit)") }
            if let limit = violated(rules.exclusiveMinimum, when: [.orderedAscending, .orderedSame]) {
                fail("must be more than \(limit)")
            }
            if let limit = violated(rules.maximum, when: [.orderedDescending]) { fail("must be at most \(limit)") }
            if let limit = violated(rules.exclusiveMaximum, when: [.orderedDescending, .orderedSame]) {
                fail("must be less than \(limit)")
            }
        case .array(let elements):
            if let minimum = rules.minItems, elements.count < minimum { fail("must have at least \(minimum) items") }
            if let maximum = rules.maxItems, elements.count > maximum { fail("must have at most \(maximum) items") }
            if let items = rules.items {
                for (index, element) in elements.enumerated() { checkNested(element, against: items, step: .index(index)) }
            }
        case .object(let object):
            for required in rules.required where object[required] == nil {
                fail("missing required property '\(required)'")
            }
            // Members are checked in the object's own order; only when something is wrong are they
            // checked again in key order, so the reasons read the same every time.
            let before = found.count
            func checkMembers(_ members: some Sequence<(key: String, value: JSONValue)>) {
                for (key, element) in members {
                    if let propertyNode = rules.properties[key] {
                        checkNested(element, against: propertyNode, step: .key(key))
                    } else if let additional = rules.additionalProperties {
                        if case .nothing = additional {
                            fail("property '\(SchemaViolation.shown(key))' is not allowed")
                        } else {
                            checkNested(element, against: additional, step: .key(key))
                        }
                    }
                }
            }
            checkMembers(object)
            if found.count > before {
                found.removeSubrange(before...)
                checkMembers(object.sorted(by: { $0.key < $1.key }))
            }
        case .null, .bool:
            break
        }
    }
}

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

/// Reads a schema and everything its references reach into `SchemaNode`s; each reference target is
/// compiled once, and a reference cycle only costs a key (targets are looked up when checking).
struct SchemaCompiler {
    let siblings: [String: JSONValue]
    private var compiledTargets: [String: SchemaNode] = [:]
    private var pending: [(key: String, schema: JSONValue, document: JSONSchema.Document)] = []
    private var seen: Set<String> = []

    init(siblings: [String: JSONValue]) { self.siblings = siblings }

    mutating func compile(_ schema: JSONValue, in document: JSONSchema.Document) -> SchemaNode {
        guard case .object(let object) = schema else { return schema == .bool(false) ? .nothing : .anything }
        var rules = SchemaNode.Rules()
        if let text = object["$ref"]?.stringValue {
            var reference = SchemaNode.Reference(text: text, target: nil, cycleKey: "\(document.name) \(text)")
            if let (target, targetDocument, key) = resolve(text, from: document) {
                reference.target = key
                if seen.insert(key).inserted { pending.append((key, target, targetDocument)) }
            }
            rules.reference = reference
        }
        if let type = object["type"] { rules.types = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""] }
        rules.options = object["enum"]?.arrayValue
        rules.constant = object["const"]
        rules.minLength = object["minLength"]?.integralValue
        rules.maxLength = object["maxLength"]?.integralValue
        rules.pattern = object["pattern"]?.stringValue
        rules.format = object["format"]?.stringValue
        rules.minimum = object["minimum"]
        rules.maximum = object["maximum"]
        rules.exclusiveMinimum = object["exclusiveMinimum"]
        rules.exclusiveMaximum = object["exclusiveMaximum"]
        rules.minItems = object["minItems"]?.integralValue
        rules.maxItems = object["maxItems"]?.integralValue
        if let items = object["items"] { rules.items = compile(items, in: document) }
        rules.required = object["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for (key, property) in object["properties"]?.objectValue ?? [:] {
            rules.properties[key] = compile(property, in: document)
        }
        if let additional = object["additionalProperties"] { rules.additionalProperties = compile(additional, in: document) }
        return .rules(rules)
    }

    /// Compiles every reference target met so far (and those they reach).
    mutating func finish() -> [String: SchemaNode] {
        while let next = pending.popLast() {
            compiledTargets[next.key] = compile(next.schema, in: next.document)
        }
        return compiledTargets
    }

    private func resolve(_ reference: String, from document: JSONSchema.Document) -> (JSONValue, JSONSchema.Document, String)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var target = document
        if let file = parts.first, !file.isEmpty {
            guard let sibling = siblings[String(file)] else { return nil }
            target = JSONSchema.Document(name: String(file), root: sibling)
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
        return (node, target, "\(target.name)#\(pointer)")
    }
}

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
