import Foundation
import RemitCore

/// Reads a schema and everything its references reach into `SchemaNode`s; each reference target is
/// compiled once, and a reference cycle only costs a key (targets are looked up when checking).
struct SchemaCompiler {
    let siblings: [String: JSONValue]
    /// Every `pattern` of the schema and its siblings, compiled when they were checked.
    let patterns: [String: CompiledPattern]
    private var compiledTargets: [Int: SchemaNode] = [:]
    private var pending: [(id: Int, schema: JSONValue, document: JSONSchema.Document)] = []
    /// Each reference target (document and pointer) by the number it is known by when checking.
    private var targetIDs: [String: Int] = [:]
    /// Each reference as written in its file, numbered: meeting the same one twice for one value is a cycle.
    private var cycleIDs: [String: Int] = [:]

    init(siblings: [String: JSONValue], patterns: [String: CompiledPattern]) {
        self.siblings = siblings
        self.patterns = patterns
    }

    mutating func compile(_ schema: JSONValue, in document: JSONSchema.Document) -> SchemaNode {
        guard case .object(let object) = schema else { return schema == .bool(false) ? .nothing : .anything }
        let rules = SchemaNode.Rules()
        if let text = object["$ref"]?.stringValue {
            let cycleKey = "\(document.name) \(text)"
            let cycleID = cycleIDs[cycleKey] ?? cycleIDs.count
            cycleIDs[cycleKey] = cycleID
            var reference = SchemaNode.Reference(text: text, target: nil, cycleID: cycleID)
            if let (target, targetDocument, key) = resolve(text, from: document) {
                if let known = targetIDs[key] {
                    reference.target = known
                } else {
                    reference.target = targetIDs.count
                    targetIDs[key] = targetIDs.count
                    pending.append((targetIDs.count - 1, target, targetDocument))
                }
            }
            rules.reference = reference
        }
        if let type = object["type"] { rules.types = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""] }
        rules.options = object["enum"]?.arrayValue
        rules.constant = object["const"]
        rules.minLength = object["minLength"]?.integralValue
        rules.maxLength = object["maxLength"]?.integralValue
        rules.pattern = object["pattern"]?.stringValue.flatMap { patterns[$0] }
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
        if let options = rules.options, options.allSatisfy({ $0.stringValue != nil }) {
            rules.stringOptions = Set(options.compactMap(\.stringValue))
        }
        if rules.properties.keys.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) {
            let required = Set(rules.required)
            rules.asciiProperties = SchemaNode.PropertyTable(
                rules.properties.map { (name: $0.key, schema: $0.value, required: required.contains($0.key)) })
            rules.requiredAreCounted = required.count == rules.required.count && required.isSubset(of: rules.properties.keys)
        }
        return .rules(rules)
    }

    /// Compiles every reference target met so far (and those they reach).
    mutating func finish() -> [SchemaNode] {
        while let next = pending.popLast() {
            compiledTargets[next.id] = compile(next.schema, in: next.document)
        }
        return (0..<targetIDs.count).map { compiledTargets[$0] ?? .anything }
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
