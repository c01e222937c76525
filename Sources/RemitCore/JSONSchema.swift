import Foundation

/// A validator for the part of JSON Schema (2020-12) that Remit's message schemas use: `type`,
/// `properties`, `required`, `additionalProperties` (boolean), `items`, `enum`, `const`, `pattern`,
/// `minLength`, `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`, `format` (`date-time`,
/// `uuid`), `$ref` to `#/$defs/…` or to a sibling file (`money.schema.json`). An unsupported
/// keyword is reported when the schema loads, so a schema never silently checks less than it says.
public struct JSONSchema: Sendable {
    public let name: String
    let root: JSONValue
    let siblings: [String: JSONValue]

    static let supportedKeywords: Set<String> = [
        "$schema", "$id", "$defs", "$ref", "title", "description", "examples", "$comment",
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "pattern",
        "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "format",
    ]

    public init(name: String, root: JSONValue, siblings: [String: JSONValue] = [:]) throws {
        self.name = name
        self.root = root
        self.siblings = siblings
        try Self.checkKeywords(root, path: name)
    }

    private static func checkKeywords(_ schema: JSONValue, path: String) throws {
        guard case .object(let object) = schema else { return }
        for (key, value) in object {
            guard supportedKeywords.contains(key) else {
                throw SchemaViolation(path: path, message: "schema keyword '\(key)' is not supported by Remit's validator")
            }
            switch key {
            case "properties", "$defs":
                for (name, nested) in value.objectValue ?? [:] { try checkKeywords(nested, path: "\(path)/\(key)/\(name)") }
            case "items":
                try checkKeywords(value, path: "\(path)/items")
            default:
                break
            }
        }
    }

    /// Every violation in `instance`, each with its JSON path; empty when valid.
    public func violations(of instance: JSONValue) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        check(instance, against: root, document: root, path: "$", into: &found)
        return found
    }

    public func validate(_ instance: JSONValue) throws {
        if let first = violations(of: instance).first { throw first }
    }

    private func resolve(_ reference: String, document: JSONValue) -> (schema: JSONValue, document: JSONValue)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        var target = document
        if let file = parts.first, !file.isEmpty {
            guard let sibling = siblings[String(file)] else { return nil }
            target = sibling
        }
        var node = target
        if parts.count == 2 {
            for component in parts[1].split(separator: "/") {
                guard let next = node[String(component)] else { return nil }
                node = next
            }
        }
        return (node, target)
    }

    private func check(_ value: JSONValue, against schema: JSONValue, document: JSONValue, path: String,
                       into found: inout [SchemaViolation]) {
        guard case .object(let rules) = schema else { return }
        func fail(_ message: String) { found.append(SchemaViolation(path: path, message: message)) }

        if let reference = rules["$ref"]?.stringValue {
            guard let (target, targetDocument) = resolve(reference, document: document) else {
                fail("schema reference '\(reference)' cannot be resolved"); return
            }
            check(value, against: target, document: targetDocument, path: path, into: &found)
        }
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            let actual = value.typeName
            let matches = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !matches {
                fail("expected \(allowed.joined(separator: " or ")), found \(actual)")
                return
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            fail("must be one of \(options.map(\.description).joined(separator: ", ")), found \(value)")
        }
        if let constant = rules["const"], constant != value {
            fail("must be \(constant), found \(value)")
        }
        switch value {
        case .string(let string):
            let length = string.count
            if let minimum = rules["minLength"]?.intValue, length < minimum { fail("must have at least \(minimum) characters") }
            if let maximum = rules["maxLength"]?.intValue, length > maximum { fail("must have at most \(maximum) characters") }
            if let pattern = rules["pattern"]?.stringValue,
               string.range(of: pattern, options: .regularExpression) == nil {
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
        case .integer(let number):
            if let minimum = rules["minimum"]?.intValue, number < minimum { fail("must be at least \(minimum)") }
            if let maximum = rules["maximum"]?.intValue, number > maximum { fail("must be at most \(maximum)") }
        case .array(let elements):
            if let minimum = rules["minItems"]?.intValue, elements.count < minimum { fail("must have at least \(minimum) items") }
            if let maximum = rules["maxItems"]?.intValue, elements.count > maximum { fail("must have at most \(maximum) items") }
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, document: document, path: "\(path)[\(index)]", into: &found)
                }
            }
        case .object(let object):
            for required in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
                fail("missing required property '\(required)'")
            }
            let properties = rules["properties"]?.objectValue ?? [:]
            for (key, element) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[key] {
                    check(element, against: propertySchema, document: document, path: "\(path).\(key)", into: &found)
                } else if rules["additionalProperties"] == .bool(false) {
                    fail("property '\(key)' is not allowed")
                }
            }
        default:
            break
        }
    }
}

public struct SchemaViolation: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}
