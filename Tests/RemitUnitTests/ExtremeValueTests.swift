import Foundation
import Logging
import RemitAMQP
@testable import RemitClient
import RemitWorkers
import Testing
@testable import RemitApp
@testable import RemitCore
@testable import RemitMessages
@testable import RemitRuntime

/// Every worker kind's handler, fed bodies generated from its message schemas with the extreme
/// values each field allows (longest and shortest strings, largest and smallest amounts and
/// numbers, far dates, full arrays): each delivery ends applied or dead-lettered with a reason —
/// the process never traps.
@Suite("Extreme values through every handler")
struct ExtremeValueTests {
    enum Extreme: CaseIterable { case largest, smallest, mixed }

    let topology: Topology
    let documents: [String: JSONValue]

    init() throws {
        topology = try Topology.load(from: repositoryTopology)
        let directory = repositoryTopology.appendingPathComponent("schemas")
        var documents: [String: JSONValue] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".json") {
            documents[file] = try JSONValue.parse(Data(contentsOf: directory.appendingPathComponent(file)))
        }
        self.documents = documents
    }

    /// Follows `$ref` (`file#/pointer` or `#/pointer`) to the schema it names.
    func resolve(_ schema: JSONValue, in file: String) -> (JSONValue, String) {
        guard let reference = schema["$ref"]?.stringValue else { return (schema, file) }
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let target = parts[0].isEmpty ? file : parts[0]
        var node = documents[target] ?? .null
        for component in (parts.count > 1 ? parts[1] : "").split(separator: "/") { node = node[String(component)] ?? .null }
        return resolve(node, in: target)
    }

    /// An instance of `schema` at the `extreme` end of what it allows.
    func instance(of schema: JSONValue, in file: String, extreme: Extreme, field: String = "") -> JSONValue {
        let (schema, file) = resolve(schema, in: file)
        if let options = schema["enum"]?.arrayValue, !options.isEmpty {
            switch extreme {
            case .largest: return options.last!
            case .smallest: return options.first!
            case .mixed: return options[options.count / 2]
            }
        }
        let type = schema["type"]?.stringValue ?? schema["type"]?.arrayValue?.first?.stringValue ?? "object"
        switch type {
        case "object":
            var object: [String: JSONValue] = [:]
            for (name, property) in schema["properties"]?.objectValue ?? [:] {
                object[name] = instance(of: property, in: file, extreme: extreme, field: name)
            }
            return .object(object)
        case "array":
            let count = min(Int(schema["maxItems"]?.intValue ?? 3), 3)
            let items = schema["items"] ?? .object([:])
            return .array(
                (0..<(extreme == .smallest ? 1 : count)).map { index in
                    // Distinct entries, so keys that must be unique in a batch stay unique.
                    if case .object(var object) = instance(of: items, in: file, extreme: extreme, field: field) {
                        for (key, value) in object {
                            if case .string(let text) = value, ["number", "login", "requestId", "account"].contains(key) {
                                object[key] = .string(String(text.dropLast(2)) + "-\(index)")
                            }
                        }
                        return .object(object)
                    }
                    return instance(of: items, in: file, extreme: extreme, field: field)
                })
        case "integer" where field == "failAttempts":
            return .integer(0)  // the smoke kind's switch for failing on purpose stays off
        case "integer":
            let low = schema["minimum"]?.intValue ?? Int64.min
            let high = schema["maximum"]?.intValue ?? Int64.max
            switch extreme {
            case .largest: return .integer(high)
            case .smallest: return .integer(low)
            case .mixed: return .integer(low / 2 + high / 2)
            }
        case "boolean":
            return .bool(extreme != .smallest)
        case "string":
            return .string(string(schema, extreme: extreme, field: field))
        default:
            return .null
        }
    }

    func string(_ schema: JSONValue, extreme: Extreme, field: String) -> String {
        let pattern = schema["pattern"]?.stringValue ?? ""
        let longest = Int(schema["maxLength"]?.intValue ?? 64)
        let shortest = max(1, Int(schema["minLength"]?.intValue ?? 1))
        if pattern.contains("[0-9]{4}-") {
            return extreme == .largest ? "9999-12-31" : extreme == .smallest ? "0001-01-01" : "2024-02-29"
        }
        if pattern.contains("[0-9]{1,14}") {
            return extreme == .largest ? "99999999999999" : extreme == .smallest ? "-99999999999999" : "0"
        }
        if pattern.contains("@") {
            return extreme == .smallest ? "a@b" : String(repeating: "m", count: longest - 12) + "@example.com"
        }
        if pattern.contains("user|system") { return "user:" + String(repeating: "u", count: 20) }
        if pattern == "^[A-Z]{3}$" { return extreme == .largest ? "KWD" : extreme == .smallest ? "JPY" : "EUR" }
        if schema["format"]?.stringValue == "date-time" {
            return extreme == .largest
                ? "9999-12-31T23:59:59.999Z" : extreme == .smallest ? "0001-01-01T00:00:00Z" : "2026-11-29T10:15:00+14:00"
        }
        let length = extreme == .largest ? longest : extreme == .smallest ? shortest : (shortest + longest) / 2
        return String(repeating: field == "displayName" ? "Ä" : "x", count: length)
    }

    @Test(arguments: [
        "smoke", "hq-p0001", "hq-sync", "hq-invoice-posting", "hq-distribution", "hq-collection-letters", "channel-updates",
        "cart-validation", "payment-posting", "invoice-requests", "email-dispatch",
    ])
    func everyDeliveryEndsAppliedOrDeadLetteredWithAReason(_ kindName: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-extreme-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kind = try topology.kind(named: kindName)
        let dependencies = WorkerDependencies(dataDirectory: directory, logger: Logger(label: "test"))
        var settings = WorkerRuntime.Settings(consumers: 1, prefetch: 100)
        settings.storePause = Backoff(initial: .milliseconds(1), maximum: .seconds(10))
        let runtime = WorkerRuntime(
            kind: kind, topology: topology, amqp: AMQPConfiguration(),
            handler: try WorkerKinds.handler(for: kindName, dependencies: dependencies),
            store: try dependencies.store(for: kind), clock: SystemWallClock(), settings: settings,
            logger: Logger(label: "test"))
        var deliveries: [Delivery] = []
        var withinTheSchema = 0
        for type in kind.consumes {
            let file = "\(type).v\(topology.latestVersion(of: type)!).json"
            for extreme in Extreme.allCases {
                let body = instance(of: documents[file]!, in: file, extreme: extreme)
                let problems = MessageValidator(topology: topology).violations(body: body, type: type)
                #expect(problems.isEmpty, "the generator keeps to the schema: \(problems)")
                if problems.isEmpty { withinTheSchema += 1 }
                let envelope = JSONValue.object([
                    "type": .string(type), "version": .integer(Int64(topology.latestVersion(of: type)!)),
                    "id": .string("\(type)-\(extreme)"),
                    "correlationId": .string("c"), "occurredAt": .string("2026-11-29T10:15:00.000Z"),
                    "actingUser": .string("system:test"), "body": body,
                ])
                let bytes = Array(try MessageCoding.encoder().encode(envelope))
                deliveries.append(
                    Delivery(
                        deliveryTag: UInt64(deliveries.count + 1), redelivered: false,
                        exchange: topology.workers.exchange, routingKey: type, consumerTag: "test",
                        // Every command asks for an answer, so the answers are made at the extremes too.
                        body: bytes, properties: AMQPProperties(correlationId: "producer-\(deliveries.count)", replyTo: "producer.replies"))
                )
            }
        }
        let settled = try #require(await runtime.prepare(deliveries))
        #expect(settled.applied + settled.failed == deliveries.count, "every delivery has an outcome")
        #expect(settled.applied == withinTheSchema, "what the schema allows, the worker applies — even at the extremes")
        // What the worker sends — follow-ups and answers — its consumers accept.
        let check = FollowUpCheck(topology: topology)
        for sent in settled.publishes
        where sent.exchange == topology.workers.exchange || (sent.exchange.isEmpty && !kind.retryQueues.contains(sent.routingKey)) {
            let type = sent.properties.type ?? sent.routingKey
            let message = OutgoingMessage(type: type, messageId: sent.properties.messageId ?? "", correlationId: "c", body: Data(sent.body))
            #expect(check.problems(of: message) == [], "\(kindName) sent \(type)")
        }
        for deadLetter in settled.publishes where deadLetter.exchange == topology.workers.deadLetterExchange {
            let reason = deadLetter.properties.headers[RemitHeader.error]?.stringValue ?? ""
            #expect(!reason.isEmpty, "a dead letter says why")
        }
    }
}
