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
        let rules: SchemaNode.Rules
        switch node {
        case .anything: return
        case .nothing: found.append(Self.violation(at: path, "no value is allowed here")); return
        case .rules(let compiledRules): rules = compiledRules
        }
        if let reference = rules.reference {
            follow(reference, for: value, path: &path, followedReferences: followedReferences, into: &found)
        }
        guard checkTypeAndValue(value, rules, path: path, into: &found) else { return }
        switch value {
        case .string(let string):
            checkString(string, rules, path: path, into: &found)
        case .integer, .number:
            checkNumber(value, rules, path: path, into: &found)
        case .array(let elements):
            checkArray(elements, rules, path: &path, into: &found)
        case .object(let object):
            checkObject(object, rules, path: &path, into: &found)
        case .null, .bool:
            break
        }
    }

    private static func violation(at path: [SchemaPathStep], _ message: String) -> SchemaViolation {
        SchemaViolation(path: SchemaPathStep.spell(path), message: message)
    }

    private func checkNested(
        _ nested: JSONValue, against nestedNode: SchemaNode, step: SchemaPathStep, path: inout [SchemaPathStep],
        into found: inout [SchemaViolation]
    ) {
        path.append(step)
        check(nested, against: nestedNode, path: &path, followedReferences: [], into: &found)
        path.removeLast()
    }

    private func follow(
        _ reference: SchemaNode.Reference, for value: JSONValue, path: inout [SchemaPathStep],
        followedReferences: Set<String>, into found: inout [SchemaViolation]
    ) {
        guard let targetKey = reference.target, let target = referenced[targetKey] else {
            found.append(Self.violation(at: path, "schema reference '\(reference.text)' cannot be resolved"))
            return
        }
        if followedReferences.contains(reference.cycleKey) {
            found.append(Self.violation(at: path, "schema reference '\(reference.text)' leads back to itself"))
        } else {
            check(
                value, against: target, path: &path,
                followedReferences: followedReferences.union([reference.cycleKey]), into: &found)
        }
    }

    /// `type`, `enum` and `const`; false when the type is wrong, so nothing more is checked.
    private func checkTypeAndValue(
        _ value: JSONValue, _ rules: SchemaNode.Rules, path: [SchemaPathStep], into found: inout [SchemaViolation]
    ) -> Bool {
        func fail(_ message: String) { found.append(Self.violation(at: path, message)) }
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
                return false
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
        return true
    }

    private func checkString(
        _ string: String, _ rules: SchemaNode.Rules, path: [SchemaPathStep], into found: inout [SchemaViolation]
    ) {
        func fail(_ message: String) { found.append(Self.violation(at: path, message)) }
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
    }

    private func checkNumber(
        _ value: JSONValue, _ rules: SchemaNode.Rules, path: [SchemaPathStep], into found: inout [SchemaViolation]
    ) {
        func fail(_ message: String) { found.append(Self.violation(at: path, message)) }
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
    }

    private func checkArray(
        _ elements: [JSONValue], _ rules: SchemaNode.Rules, path: inout [SchemaPathStep], into found: inout [SchemaViolation]
    ) {
        if let minimum = rules.minItems, elements.count < minimum {
            found.append(Self.violation(at: path, "must have at least \(minimum) items"))
        }
        if let maximum = rules.maxItems, elements.count > maximum {
            found.append(Self.violation(at: path, "must have at most \(maximum) items"))
        }
        if let items = rules.items {
            for (index, element) in elements.enumerated() {
                checkNested(element, against: items, step: .index(index), path: &path, into: &found)
            }
        }
    }

    private func checkObject(
        _ object: [String: JSONValue], _ rules: SchemaNode.Rules, path: inout [SchemaPathStep],
        into found: inout [SchemaViolation]
    ) {
        for required in rules.required where object[required] == nil {
            found.append(Self.violation(at: path, "missing required property '\(required)'"))
        }
        // Members are checked in the object's own order; only when something is wrong are they
        // checked again in key order, so the reasons read the same every time.
        let before = found.count
        func checkMembers(_ members: some Sequence<(key: String, value: JSONValue)>) {
            for (key, element) in members {
                if let propertyNode = rules.properties[key] {
                    checkNested(element, against: propertyNode, step: .key(key), path: &path, into: &found)
                } else if let additional = rules.additionalProperties {
                    if case .nothing = additional {
                        found.append(Self.violation(at: path, "property '\(SchemaViolation.shown(key))' is not allowed"))
                    } else {
                        checkNested(element, against: additional, step: .key(key), path: &path, into: &found)
                    }
                }
            }
        }
        checkMembers(object)
        if found.count > before {
            found.removeSubrange(before...)
            checkMembers(object.sorted(by: { $0.key < $1.key }))
        }
    }
}
