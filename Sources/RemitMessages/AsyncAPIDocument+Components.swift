import Foundation
import RemitCore

extension AsyncAPIDocument {
    /// The document's `components`: a message and a payload schema for each version of each type
    /// named, and the shared definitions their schemas reference.
    struct Components {
        let topology: Topology
        private(set) var messageObjects: [String: JSONValue] = [:]
        private(set) var schemaObjects: [String: JSONValue] = [:]
        /// Which file each shared definition was taken from, so two files' `money` cannot collide.
        private var definitionSources: [String: String] = [:]

        init(topology: Topology) { self.topology = topology }

        /// Adds the messages of every schema version of `type`; returns their names (`invoice-pay-v1`:
        /// AsyncAPI's component keys are letters, digits, `-` and `_`).
        mutating func messages(of type: String) throws -> [String] {
            let keys = topology.schemas.keys.filter { $0.type == type }.sorted { $0.version < $1.version }
            guard !keys.isEmpty else { throw Failure(description: "'\(type)' has no schema in Topology/schemas") }
            return try keys.map { key in
                let name = AsyncAPIDocument.identifier(key.type) + "-v\(key.version)"
                let schema = topology.schemas[key]!
                schemaObjects[name + "-body"] = try rewrite(schema.root, file: schema.name)
                schemaObjects[name] = try envelope(key, body: name + "-body")
                messageObjects[name] = message(key, name: name, schema: schema)
                return name
            }
        }

        /// The envelope schema with this type's `type` and `version` fixed and its body referenced.
        private mutating func envelope(_ key: Topology.MessageKey, body: String) throws -> JSONValue {
            let envelope = topology.envelopeSchema
            guard case .object(var object) = try rewrite(envelope.root, file: envelope.name),
                case .object(var properties) = object["properties"]
            else { throw Failure(description: "\(envelope.name) has no properties") }
            properties["type"] = .object(["type": .string("string"), "const": .string(key.type)])
            properties["version"] = .object(["type": .string("integer"), "const": .integer(Int64(key.version))])
            properties["body"] = AsyncAPIDocument.ref("#/components/schemas/\(body)")
            object["properties"] = .object(properties)
            object["title"] = .string("\(key.type) v\(key.version) envelope")
            return .object(object)
        }

        private func message(_ key: Topology.MessageKey, name: String, schema: JSONSchema) -> JSONValue {
            var object: [String: JSONValue] = [
                "name": .string(key.type),
                "title": .string("\(key.type) v\(key.version)"),
                "contentType": .string("application/json"),
                "correlationId": .object([
                    "location": .string("$message.header#/correlation_id"),
                    "description": .string("The AMQP correlation_id: the producer's own, copied to the answer."),
                ]),
                "payload": AsyncAPIDocument.ref("#/components/schemas/\(name)"),
                "bindings": .object([
                    "amqp": .object([
                        "messageType": .string(key.type), "bindingVersion": .string(AsyncAPIDocument.bindingVersion),
                    ])
                ]),
            ]
            if let description = schema.root["description"] { object["summary"] = description }
            let examples = (schema.root["examples"]?.arrayValue ?? []).enumerated().map { index, body in
                JSONValue.object([
                    "name": .string("\(key.type)-\(index + 1)"),
                    "payload": .object([
                        "type": .string(key.type), "version": .integer(Int64(key.version)),
                        "id": .string("example-\(key.type)-\(index + 1)"),
                        "correlationId": .string("example-\(key.type)-\(index + 1)"), "causationId": .null,
                        "occurredAt": .string(AsyncAPIDocument.exampleTime),
                        "actingUser": .string(AsyncAPIDocument.exampleActor), "body": body,
                    ]),
                ])
            }
            if !examples.isEmpty { object["examples"] = .array(examples) }
            return .object(object)
        }

        /// `schema` (read from `file`) as an AsyncAPI schema: without `$schema`, `$id` and `$defs`,
        /// each reference to a definition pointing into `components/schemas`, which gains it.
        mutating func rewrite(_ schema: JSONValue, file: String) throws -> JSONValue {
            switch schema {
            case .object(let object):
                var rewritten: [String: JSONValue] = [:]
                for (key, value) in object where !["$schema", "$id", "$defs"].contains(key) {
                    if key == "$ref", let reference = value.stringValue {
                        rewritten[key] = .string(try definition(reference, from: file))
                    } else if key == "properties", case .object(let members) = value {
                        // A map of names to schemas: the names are not keywords.
                        rewritten[key] = .object(try members.mapValues { try rewrite($0, file: file) })
                    } else if ["items", "additionalProperties"].contains(key) {
                        rewritten[key] = try rewrite(value, file: file)
                    } else {
                        rewritten[key] = value
                    }
                }
                return .object(rewritten)
            default:
                return schema
            }
        }

        /// The components pointer for a `$ref` of the form `FILE#/$defs/NAME` or `#/$defs/NAME`,
        /// adding the definition; any other form is refused (it would not survive the move).
        private mutating func definition(_ reference: String, from file: String) throws -> String {
            let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let target = parts[0].isEmpty ? file : String(parts[0])
            guard parts.count == 2, parts[1].hasPrefix("/$defs/"), !parts[1].dropFirst(7).contains("/"),
                let document = target == file ? topologyDocument(file) : topologyDocument(target)
            else {
                throw Failure(description: "\(file): the reference '\(reference)' is not of the form FILE#/$defs/NAME")
            }
            let name = String(parts[1].dropFirst(7))
            guard let definition = document["$defs"]?[name] else {
                throw Failure(description: "\(file): the reference '\(reference)' names no definition")
            }
            if let source = definitionSources[name], source != target {
                throw Failure(description: "the definition '\(name)' is in both \(source) and \(target)")
            }
            if definitionSources[name] == nil {
                definitionSources[name] = target
                schemaObjects[name] = try rewrite(definition, file: target)
            }
            return "#/components/schemas/\(name)"
        }

        private func topologyDocument(_ file: String) -> JSONValue? {
            topology.envelopeSchema.siblings[file]
        }
    }
}
