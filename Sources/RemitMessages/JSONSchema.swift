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
    /// The schema read into `SchemaNode`s once, so a check does no look-ups by keyword name.
    let compiled: SchemaNode
    /// The target of every `$ref` reachable from the root, by `SchemaNode.Reference.target`.
    let referenced: [SchemaNode]

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
        var patterns: [String: CompiledPattern] = [:]
        try Self.checkKeywords(root, path: name, isRoot: true, patterns: &patterns)
        for (file, sibling) in siblings where file != name {
            try Self.checkKeywords(sibling, path: file, isRoot: true, patterns: &patterns)
        }
        var compiler = SchemaCompiler(siblings: siblings, patterns: patterns)
        compiled = compiler.compile(root, in: Document(name: name, root: root))
        referenced = compiler.finish()
    }

    private static func checkKeywords(
        _ schema: JSONValue, path: String, isRoot: Bool,
        patterns: inout [String: CompiledPattern]
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
                patterns[pattern] = CompiledPattern(pattern, regex: compiled)
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
        violations(of: JSONTape(instance), at: JSONTape.root)
    }

    /// Every violation in node `node` of `tape` (a delivery read once), each with its JSON path.
    public func violations(of tape: JSONTape, at node: Int) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        var path: [SchemaPathStep] = []
        var followed: [Int] = []
        check(node, in: tape, against: compiled, path: &path, followed: &followed, since: 0, into: &found)
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
        _ node: Int, in tape: JSONTape, against schema: SchemaNode, path: inout [SchemaPathStep],
        followed: inout [Int], since: Int, into found: inout [SchemaViolation]
    ) {
        let rules: SchemaNode.Rules
        switch schema {
        case .anything: return
        case .nothing: found.append(Self.violation(at: path, in: tape, "no value is allowed here")); return
        case .rules(let compiledRules): rules = compiledRules
        }
        if let reference = rules.reference {
            follow(reference, for: node, in: tape, path: &path, followed: &followed, since: since, into: &found)
        }
        guard checkTypeAndValue(node, in: tape, rules, path: path, into: &found) else { return }
        switch tape.kind(node) {
        case .string:
            checkString(node, in: tape, rules, path: path, into: &found)
        case .integer, .number:
            checkNumber(node, in: tape, rules, path: path, into: &found)
        case .array:
            checkArray(node, in: tape, rules, path: &path, followed: &followed, into: &found)
        case .object:
            checkObject(node, in: tape, rules, path: &path, followed: &followed, into: &found)
        case .null, .true, .false:
            break
        }
    }

    private static func violation(at path: [SchemaPathStep], in tape: JSONTape, _ message: String) -> SchemaViolation {
        SchemaViolation(path: SchemaPathStep.spell(path, in: tape), message: message)
    }

    /// A member or element: references followed for its parent do not count for it (it is a
    /// smaller value, so meeting them again is not a cycle).
    private func checkNested(
        _ nested: Int, in tape: JSONTape, against nestedSchema: SchemaNode, step: SchemaPathStep,
        path: inout [SchemaPathStep], followed: inout [Int], into found: inout [SchemaViolation]
    ) {
        path.append(step)
        check(nested, in: tape, against: nestedSchema, path: &path, followed: &followed, since: followed.count, into: &found)
        path.removeLast()
    }

    private func follow(
        _ reference: SchemaNode.Reference, for node: Int, in tape: JSONTape, path: inout [SchemaPathStep],
        followed: inout [Int], since: Int, into found: inout [SchemaViolation]
    ) {
        guard let target = reference.target.map({ referenced[$0] }) else {
            found.append(Self.violation(at: path, in: tape, "schema reference '\(reference.text)' cannot be resolved"))
            return
        }
        if followed[since...].contains(reference.cycleID) {
            found.append(Self.violation(at: path, in: tape, "schema reference '\(reference.text)' leads back to itself"))
        } else {
            followed.append(reference.cycleID)
            check(node, in: tape, against: target, path: &path, followed: &followed, since: since, into: &found)
            followed.removeLast()
        }
    }

    /// `type`, `enum` and `const`; false when the type is wrong, so nothing more is checked.
    private func checkTypeAndValue(
        _ node: Int, in tape: JSONTape, _ rules: SchemaNode.Rules, path: [SchemaPathStep],
        into found: inout [SchemaViolation]
    ) -> Bool {
        func fail(_ message: String) { found.append(Self.violation(at: path, in: tape, message)) }
        let kind = tape.kind(node)
        if let allowed = rules.types {
            let matches = allowed.contains { name in
                switch name {
                case "number": return kind == .integer || kind == .number
                case "integer": return kind == .integer || tape.number(node).map { Int64(exactly: $0) != nil } == true
                default: return name == tape.typeName(node)
                }
            }
            if !matches {
                fail("expected \(allowed.joined(separator: " or ")), found \(tape.typeName(node))")
                return false
            }
        }
        if let options = rules.options, !rules.allows(node, in: tape) {
            // A long list (the currencies) is named by its size, not printed whole into a dead-letter header.
            let allowed =
                options.count <= 12
                ? options.map(\.description).joined(separator: ", ")
                : options.prefix(5).map(\.description).joined(separator: ", ") + ", … (\(options.count) values in all)"
            fail("must be one of \(allowed), found \(tape.value(node).description.prefix(80))")
        }
        if let constant = rules.constant {
            let value = tape.value(node)
            if !constant.equalsInJSONSchema(value) { fail("must be \(constant), found \(value)") }
        }
        return true
    }

    private func checkString(
        _ node: Int, in tape: JSONTape, _ rules: SchemaNode.Rules, path: [SchemaPathStep],
        into found: inout [SchemaViolation]
    ) {
        func fail(_ message: String) { found.append(Self.violation(at: path, in: tape, message)) }
        if rules.minLength != nil || rules.maxLength != nil {
            // JSON Schema counts a string's length in code points, not in grapheme clusters.
            let length = Int64(tape.codePointCount(node))
            if let minimum = rules.minLength, length < minimum { fail("must have at least \(minimum) characters") }
            if let maximum = rules.maxLength, length > maximum { fail("must have at most \(maximum) characters") }
        }
        if let pattern = rules.pattern, !pattern.matches(node, in: tape) {
            fail("'\(SchemaViolation.shown(tape.string(node)))' does not match the pattern \(pattern.text)")
        }
        if let format = rules.format {
            let string = tape.string(node)
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
        _ node: Int, in tape: JSONTape, _ rules: SchemaNode.Rules, path: [SchemaPathStep],
        into found: inout [SchemaViolation]
    ) {
        let value = tape.value(node)
        func fail(_ message: String) { found.append(Self.violation(at: path, in: tape, message)) }
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
        _ node: Int, in tape: JSONTape, _ rules: SchemaNode.Rules, path: inout [SchemaPathStep],
        followed: inout [Int], into found: inout [SchemaViolation]
    ) {
        let count = tape.count(node)
        if let minimum = rules.minItems.map(Int.init), count < minimum {
            found.append(Self.violation(at: path, in: tape, "must have at least \(minimum) items"))
        }
        if let maximum = rules.maxItems.map(Int.init), count > maximum {
            found.append(Self.violation(at: path, in: tape, "must have at most \(maximum) items"))
        }
        if let items = rules.items {
            var element = node + 1
            for index in 0..<count {
                checkNested(element, in: tape, against: items, step: .index(index), path: &path, followed: &followed, into: &found)
                element = tape.after(element)
            }
        }
    }

    private func checkObject(
        _ node: Int, in tape: JSONTape, _ rules: SchemaNode.Rules, path: inout [SchemaPathStep],
        followed: inout [Int], into found: inout [SchemaViolation]
    ) {
        // Missing required properties come first; members are checked in the object's own order,
        // and only when something is wrong again in key order, so the reasons read the same every time.
        let start = found.count
        var requiredMet = 0
        var requiredUncounted = !rules.requiredAreCounted
        func checkMembers(_ members: some Sequence<(key: Int, value: Int)>) {
            for (key, value) in members {
                if let (propertySchema, required) = rules.property(key, in: tape) {
                    switch required {
                    case true?: requiredMet += 1
                    case false?: break
                    case nil: requiredUncounted = true
                    }
                    checkNested(
                        value, in: tape, against: propertySchema, step: .member(key), path: &path, followed: &followed, into: &found)
                } else if let additional = rules.additionalProperties {
                    if case .nothing = additional {
                        found.append(
                            Self.violation(at: path, in: tape, "property '\(SchemaViolation.shown(tape.string(key)))' is not allowed"))
                    } else {
                        checkNested(
                            value, in: tape, against: additional, step: .member(key), path: &path, followed: &followed, into: &found)
                    }
                }
            }
        }
        checkMembers(tape.members(node))
        if found.count > start {
            found.removeSubrange(start...)
            requiredMet = 0
            checkMembers(tape.members(node).sorted(by: { tape.string($0.key) < tape.string($1.key) }))
        }
        if requiredUncounted || requiredMet < rules.required.count {
            let missing = rules.required.filter { tape.member(node, $0) == nil }
            found.insert(
                contentsOf: missing.map { Self.violation(at: path, in: tape, "missing required property '\($0)'") }, at: start)
        }
    }
}
