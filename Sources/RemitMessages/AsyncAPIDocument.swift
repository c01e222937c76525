import Foundation
import RemitCore

/// The producers' contract as an AsyncAPI 3.0 document, made from `Topology/` alone: the public
/// commands (`workers.json`'s `publicCommands`) a system outside Remit may publish on the exchange,
/// and the `remit.reply` it receives at its `reply_to`. Each message's payload is its envelope with
/// `type` and `version` fixed and the body's JSON Schema; references to shared definitions
/// (`money.schema.json#/$defs/money`) become `#/components/schemas/…`. Each body example of a
/// schema (its `examples`) becomes a message example in a whole envelope. `remit topology asyncapi`
/// prints it, `docs/asyncapi.json` holds it, and the portal serves it at `/api/v1/asyncapi.json`.
public enum AsyncAPIDocument {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The AMQP bindings' version (asyncapi/bindings, amqp).
    static let bindingVersion = "0.3.0"
    /// What every example envelope says besides its body.
    static let exampleTime = "2026-11-29T10:15:00.000Z"
    static let exampleActor = "system:erp"

    /// The document as pretty-printed JSON with sorted keys (the same bytes for the same topology).
    public static func text(from topology: Topology) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(try make(from: topology)), as: UTF8.self) + "\n"
    }

    public static func make(from topology: Topology) throws -> JSONValue {
        var components = Components(topology: topology)
        let exchange = topology.workers.exchange
        guard let definition = topology.definitions.exchanges.first(where: { $0.name == exchange }) else {
            throw Failure(description: "the exchange '\(exchange)' of workers.json is not in definitions.json")
        }
        let commands = (topology.workers.publicCommands ?? []).sorted()
        guard !commands.isEmpty else { throw Failure(description: "workers.json names no publicCommands") }
        var channels: [String: JSONValue] = [:]
        var operations: [String: JSONValue] = [:]
        let reply = try components.messages(of: CommandReply.messageType)
        channels["reply"] = replyChannel(reply)
        operations["receiveReply"] = .object([
            "action": .string("receive"), "channel": ref("#/channels/reply"),
            "title": .string("Receive the answer to a command"),
            "summary": .string("Remit answers a command that set reply_to and correlation_id with one remit.reply."),
            "messages": .array(reply.map { ref("#/channels/reply/messages/\($0)") }),
        ])
        for command in commands {
            let messages = try components.messages(of: command)
            channels[identifier(command)] = commandChannel(command, messages: messages, exchange: definition)
            operations["send" + command.split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()] =
                sendOperation(command, exchange: exchange, messages: messages, reply: reply)
        }
        return .object([
            "asyncapi": .string("3.0.0"),
            "info": .object([
                "title": .string("Remit: commands for producers"),
                "version": .string("1"),
                "description": .string(
                    "The commands systems outside Remit (an ERP, a payment service, a help desk) may send, and the answer they get. Made from Topology/ by `remit topology asyncapi`; the README's section 'For producers' tells the rules beyond the schemas. Other systems subscribe to nothing of Remit's: its other messages are its own, and a producer's broker user may read only its own queues."
                ),
            ]),
            "defaultContentType": .string("application/json"),
            "servers": servers,
            "channels": .object(channels),
            "operations": .object(operations),
            "components": .object([
                "messages": .object(components.messageObjects),
                "schemas": .object(components.schemaObjects),
                "securitySchemes": .object([
                    "producerUser": .object([
                        "type": .string("userPassword"),
                        "description": .string(
                            "The broker user remit-producer-NAME made by `remit producers add NAME`: it may publish the public commands on \(exchange), and declare and read its own queues."
                        ),
                    ])
                ]),
            ]),
        ])
    }

    static func ref(_ pointer: String) -> JSONValue { .object(["$ref": .string(pointer)]) }

    /// A message type as an AsyncAPI key (`invoice.pay` → `invoice-pay`): the specification's keys
    /// are letters, digits, `-` and `_`.
    public static func identifier(_ type: String) -> String { type.replacingOccurrences(of: ".", with: "-") }

    private static var servers: JSONValue {
        .object([
            "rabbitmq": .object([
                "host": .string("{host}:5672"), "protocol": .string("amqp"), "protocolVersion": .string("0.9.1"),
                "description": .string(
                    "The broker and vhost of the AMQP URL `remit producers add NAME` printed; connect as that producer's user."
                ),
                "variables": .object(["host": .object(["default": .string("localhost"), "description": .string("The broker's host.")])]
                ),
                "security": .array([ref("#/components/securitySchemes/producerUser")]),
            ])
        ])
    }

    private static func sendOperation(_ command: String, exchange: String, messages: [String], reply: [String]) -> JSONValue {
        .object([
            "action": .string("send"), "channel": ref("#/channels/\(identifier(command))"),
            "title": .string("Publish \(command)"),
            "summary": .string(
                "Publish on the exchange \(exchange) with routing key \(command), persistent, mandatory, with publisher confirms; message_id = the envelope's id."
            ),
            "messages": .array(messages.map { ref("#/channels/\(identifier(command))/messages/\($0)") }),
            "reply": .object([
                "channel": ref("#/channels/reply"),
                "address": .object([
                    "location": .string("$message.header#/reply_to"),
                    "description": .string("The command's reply_to AMQP property."),
                ]),
                "messages": .array(reply.map { ref("#/channels/reply/messages/\($0)") }),
            ]),
            "bindings": .object([
                "amqp": .object([
                    "deliveryMode": .integer(2), "mandatory": .bool(true), "bindingVersion": .string(bindingVersion),
                ])
            ]),
        ])
    }

    private static func commandChannel(_ command: String, messages: [String], exchange: ExchangeDefinition) -> JSONValue {
        .object([
            "address": .string(command),
            "title": .string(command),
            "description": .string("The exchange \(exchange.name) with routing key \(command)."),
            "messages": .object(Dictionary(uniqueKeysWithValues: messages.map { ($0, ref("#/components/messages/\($0)")) })),
            "bindings": .object([
                "amqp": .object([
                    "is": .string("routingKey"),
                    "exchange": .object([
                        "name": .string(exchange.name), "type": .string(exchange.type), "durable": .bool(exchange.durable),
                        "autoDelete": .bool(exchange.autoDelete),
                    ]),
                    "bindingVersion": .string(bindingVersion),
                ])
            ]),
        ])
    }

    private static func replyChannel(_ messages: [String]) -> JSONValue {
        .object([
            "address": .null,
            "title": .string("reply"),
            "description": .string(
                "The command's reply_to: RabbitMQ's direct reply-to amq.rabbitmq.reply-to, a server-named queue (amq.gen-…) or a queue of the producer's own (producer.NAME…). Remit publishes the answer on the default exchange with that routing key and the command's correlation_id; it never answers into a queue named remit.… or another amq.… name."
            ),
            "messages": .object(Dictionary(uniqueKeysWithValues: messages.map { ($0, ref("#/components/messages/\($0)")) })),
        ])
    }
}
