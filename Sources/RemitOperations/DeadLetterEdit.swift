import Foundation
import RemitAMQP
import RemitClient
import RemitMessages

/// A change an operator makes to a dead letter before it is replayed (`--edit`):
///
/// - `body.PATH=TEXT` sets a field of the message body to the string TEXT;
///   `body.PATH:=JSON` sets it to a JSON value (`body.failAttempts:=0`, `body.amount:={"amount":"1.00","currency":"EUR"}`).
///   PATH is field names separated by dots; a number picks an array element (`body.lines.0.sku=A-1`).
///   The last field may be new (the schema check then decides); every field before it must exist.
/// - `header.NAME=TEXT` / `header.NAME:=JSON` sets an AMQP header (a string, integer, boolean or
///   number). Remit's failure headers and the broker's death history are the replay's to set.
///
/// The envelope around the body (type, id, correlation id, acting user) cannot be edited: the id
/// is what keeps a replay applied once.
public struct DeadLetterEdit: Sendable, Equatable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        case body([String])
        case header(String)
    }

    public var target: Target
    public var value: JSONValue
    /// As the operator wrote it.
    public var description: String

    public init(parsing text: String) throws {
        description = text
        guard let equals = text.firstIndex(of: "=") else {
            throw DeadLetterError("bad --edit '\(text)': write body.PATH=TEXT, body.PATH:=JSON or header.NAME=TEXT")
        }
        let isJSON = equals > text.startIndex && text[text.index(before: equals)] == ":"
        let path = String(text[..<(isJSON ? text.index(before: equals) : equals)])
        let raw = String(text[text.index(after: equals)...])
        if isJSON {
            do { value = try JSONValue.parse(Data(raw.utf8)) } catch {
                throw DeadLetterError("bad --edit '\(text)': the value after := is not JSON (use = for a string)")
            }
        } else {
            value = .string(raw)
        }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "body" where parts.count > 1 && !parts.dropFirst().contains(""):
            target = .body(Array(parts.dropFirst()))
        case "header" where parts.count > 1:
            let name = parts.dropFirst().joined(separator: ".")
            if RemitHeader.failure.contains(name) || name == RemitHeader.replay || RemitHeader.brokerDeathHistory.contains(name) {
                throw DeadLetterError("bad --edit '\(text)': header \(name) is set by the replay itself")
            }
            guard Self.headerValue(value) != nil else {
                throw DeadLetterError("bad --edit '\(text)': a header is a string, integer, boolean or number")
            }
            target = .header(name)
        default:
            throw DeadLetterError(
                "bad --edit path '\(path)': it starts with body. or header. and has no empty field names (e.g. body.email)")
        }
    }

    static func headerValue(_ value: JSONValue) -> AMQPValue? {
        switch value {
        case .string(let text): return .string(text)
        case .integer(let number): return .int(number)
        case .bool(let flag): return .bool(flag)
        case .number(let number): return .double(number)
        default: return nil
        }
    }

    /// One field an edit changed: its path, and its value before (nil: it was absent) and after.
    public struct Change: Sendable, Equatable, Codable {
        public var path: String
        public var before: JSONValue?
        public var after: JSONValue
    }

    /// Applies `edits` to a message's body (a Remit envelope) and headers.
    static func apply(
        _ edits: [DeadLetterEdit], body: inout [UInt8], headers: inout AMQPTable, messageId: String
    ) throws -> [Change] {
        var changes: [Change] = []
        var envelope: JSONValue?
        for edit in edits {
            switch edit.target {
            case .header(let name):
                let before = headers[name].map { JSONValue.string($0.description) }
                headers[name] = headerValue(edit.value)
                changes.append(Change(path: "header.\(name)", before: before, after: edit.value))
            case .body(let path):
                if envelope == nil {
                    guard let parsed = try? JSONValue.parse(Data(body)), parsed["body"] != nil else {
                        throw DeadLetterError("dead letter \(messageId) is not a Remit envelope with a body; body edits need one")
                    }
                    envelope = parsed
                }
                let (edited, before) = try set(edit.value, at: path[...], in: envelope!["body"]!, path: "body", edit: edit)
                guard case .object(var fields) = envelope! else { break }
                fields["body"] = edited
                envelope = .object(fields)
                changes.append(Change(path: "body." + path.joined(separator: "."), before: before, after: edit.value))
            }
        }
        if let envelope {
            // Sorted keys: the same edit of the same dead letter gives the same bytes, so a replay
            // repeated after a crash is a redelivery to the inbox, not an id conflict.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = [UInt8](try encoder.encode(envelope))
        }
        return changes
    }

    private static func set(
        _ value: JSONValue, at path: ArraySlice<String>, in node: JSONValue, path walked: String, edit: DeadLetterEdit
    ) throws -> (JSONValue, before: JSONValue?) {
        let field = path.first!
        let here = walked + "." + field
        switch node {
        case .object(var object):
            if path.count == 1 {
                let before = object[field]
                object[field] = value
                return (.object(object), before)
            }
            guard let child = object[field] else {
                throw DeadLetterError("bad --edit path '\(edit.description)': \(here) does not exist")
            }
            let (edited, before) = try set(value, at: path.dropFirst(), in: child, path: here, edit: edit)
            object[field] = edited
            return (.object(object), before)
        case .array(var array):
            guard let index = Int(field), array.indices.contains(index) else {
                throw DeadLetterError(
                    "bad --edit path '\(edit.description)': \(walked) is an array of \(array.count); '\(field)' is not one of its indexes")
            }
            if path.count == 1 {
                let before = array[index]
                array[index] = value
                return (.array(array), before)
            }
            let (edited, before) = try set(value, at: path.dropFirst(), in: array[index], path: here, edit: edit)
            array[index] = edited
            return (.array(array), before)
        default:
            throw DeadLetterError("bad --edit path '\(edit.description)': \(walked) is a JSON \(node.typeName), not an object or array")
        }
    }
}
