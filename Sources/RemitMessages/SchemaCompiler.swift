import Foundation
import RemitCore

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
