import Foundation
import Logging
import RemitAMQP
import RemitCore

/// `remit topology apply`: declares the exchanges, queues and bindings of `Topology/definitions.json`.
public struct TopologyApplier: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// Declares everything; collects every failure (e.g. a queue that exists with other
    /// arguments) and throws them together after trying the rest. Returns what was declared.
    @discardableResult
    public func apply(on connection: AMQPConnection) async throws -> [String] {
        var declared: [String] = []
        var problems: [String] = []
        for exchange in topology.definitions.exchanges {
            do {
                try await connection.declare(ExchangeDeclaration(
                    name: exchange.name, type: exchange.type, durable: exchange.durable, autoDelete: exchange.autoDelete,
                    internal: exchange.internal, arguments: exchange.arguments.mapValues(Self.amqpValue)))
                declared.append("exchange \(exchange.name) (\(exchange.type))")
            } catch { problems.append("\(error)") }
        }
        for queue in topology.definitions.queues {
            do {
                try await connection.declare(QueueDeclaration(
                    name: queue.name, durable: queue.durable, autoDelete: queue.autoDelete,
                    arguments: queue.arguments.mapValues(Self.amqpValue)))
                declared.append("queue \(queue.name)")
            } catch { problems.append("\(error)") }
        }
        for binding in topology.definitions.bindings where binding.destinationType == "queue" {
            do {
                try await connection.bind(queue: binding.destination, exchange: binding.source,
                                          routingKey: binding.routingKey,
                                          arguments: binding.arguments.mapValues(Self.amqpValue))
                declared.append("binding \(binding.source) --[\(binding.routingKey)]--> \(binding.destination)")
            } catch { problems.append("\(error)") }
        }
        if !problems.isEmpty { throw TopologyError(problems: problems) }
        return declared
    }

    static func amqpValue(_ value: JSONValue) -> AMQPValue {
        switch value {
        case .null: return .void
        case .bool(let bool): return .bool(bool)
        case .integer(let int): return .int(int)
        case .number(let double): return .double(double)
        case .string(let string): return .string(string)
        case .array(let array): return .array(array.map(amqpValue))
        case .object(let object): return .table(object.mapValues(amqpValue))
        }
    }
}

/// `remit topology verify`: compares the broker's objects with `Topology/` through the management
/// API and lists every difference (missing objects, type, durability, arguments, bindings).
public struct TopologyVerifier: Sendable {
    public let topology: Topology
    public let management: BrokerManagement

    public init(topology: Topology, management: BrokerManagement) {
        self.topology = topology
        self.management = management
    }

    public func differences(vhost: String) async throws -> [String] {
        var differences: [String] = []
        for expected in topology.definitions.exchanges {
            guard let actual = try await management.exchange(vhost: vhost, name: expected.name) else {
                differences.append("exchange '\(expected.name)' is missing"); continue
            }
            if actual["type"]?.stringValue != expected.type {
                differences.append("exchange '\(expected.name)': type is \(actual["type"]?.description ?? "?"), expected \(expected.type)")
            }
            if actual["durable"]?.boolValue != expected.durable {
                differences.append("exchange '\(expected.name)': durable is \(actual["durable"]?.description ?? "?"), expected \(expected.durable)")
            }
            differences += Self.compare(arguments: actual["arguments"]?.objectValue ?? [:], expected: expected.arguments,
                                        object: "exchange '\(expected.name)'")
        }
        for expected in topology.definitions.queues {
            guard let actual = try await management.queue(vhost: vhost, name: expected.name) else {
                differences.append("queue '\(expected.name)' is missing"); continue
            }
            if actual["durable"]?.boolValue != expected.durable {
                differences.append("queue '\(expected.name)': durable is \(actual["durable"]?.description ?? "?"), expected \(expected.durable)")
            }
            let expectedType = expected.arguments["x-queue-type"]?.stringValue ?? "classic"
            if let type = actual["type"]?.stringValue, type != expectedType {
                differences.append("queue '\(expected.name)': type is \(type), expected \(expectedType)")
            }
            differences += Self.compare(arguments: actual["arguments"]?.objectValue ?? [:], expected: expected.arguments,
                                        object: "queue '\(expected.name)'")
        }
        let actualBindings = try await management.bindings(vhost: vhost)
        for expected in topology.definitions.bindings {
            let present = actualBindings.contains { binding in
                binding["source"]?.stringValue == expected.source
                    && binding["destination"]?.stringValue == expected.destination
                    && binding["destination_type"]?.stringValue == expected.destinationType
                    && binding["routing_key"]?.stringValue == expected.routingKey
            }
            if !present {
                differences.append("binding '\(expected.source)' --[\(expected.routingKey)]--> '\(expected.destination)' is missing")
            }
        }
        return differences
    }

    static func compare(arguments actual: [String: JSONValue], expected: [String: JSONValue], object: String) -> [String] {
        var differences: [String] = []
        for key in Set(actual.keys).union(expected.keys).sorted() {
            switch (actual[key], expected[key]) {
            case (nil, let wanted?):
                differences.append("\(object): argument \(key) is not set, expected \(wanted)")
            case (let found?, nil):
                differences.append("\(object): argument \(key) is \(found), expected it unset")
            case (let found?, let wanted?) where !equivalent(found, wanted):
                differences.append("\(object): argument \(key) is \(found), expected \(wanted)")
            default:
                break
            }
        }
        return differences
    }

    private static func equivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): return Double(x) == y
        default: return a == b
        }
    }
}
