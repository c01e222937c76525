import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages

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
                try await connection.declare(
                    ExchangeDeclaration(
                        name: exchange.name, type: exchange.type, durable: exchange.durable, autoDelete: exchange.autoDelete,
                        internal: exchange.internal, arguments: exchange.arguments.mapValues(Self.amqpValue)))
                declared.append("exchange \(exchange.name) (\(exchange.type))")
            } catch { problems.append("\(error)") }
        }
        for queue in topology.definitions.queues {
            do {
                try await connection.declare(
                    QueueDeclaration(
                        name: queue.name, durable: queue.durable, autoDelete: queue.autoDelete,
                        arguments: queue.arguments.mapValues(Self.amqpValue)))
                declared.append("queue \(queue.name)")
            } catch { problems.append("\(error)") }
        }
        for binding in topology.definitions.bindings where binding.destinationType == "queue" {
            do {
                try await connection.bind(
                    queue: binding.destination, exchange: binding.source,
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
