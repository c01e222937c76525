import Foundation
import Logging
import RemitAMQP
import RemitCore

/// Publishes Remit messages as a producer: wraps bodies in envelopes, checks them against the
/// message type's schema, publishes on the Remit exchange with confirms.
public struct Producer: Sendable {
    public let topology: Topology
    public let clock: any WallClock

    public init(topology: Topology, clock: any WallClock = SystemWallClock()) {
        self.topology = topology
        self.clock = clock
    }

    public struct Prepared: Sendable {
        public var message: OutgoingMessage
        public var outbound: OutboundMessage
    }

    /// A body failed its schema; `line` is set for input read from a file.
    public struct InvalidInput: Error, Sendable, CustomStringConvertible {
        public var line: Int?
        public var problems: [String]
        public var description: String {
            let prefix = line.map { "line \($0): " } ?? ""
            return problems.map { prefix + $0 }.joined(separator: "\n")
        }
    }

    /// Builds the envelope for `body` of message `type` and checks it; throws `InvalidInput`.
    public func prepare(type: String, body: JSONValue, version: Int? = nil, actingUser: String,
                        messageId: String? = nil, correlationId: String? = nil, line: Int? = nil) throws -> Prepared {
        let problems = MessageValidator(topology: topology).violations(body: body, type: type, version: version)
        guard problems.isEmpty else { throw InvalidInput(line: line, problems: problems) }
        guard actingUser.hasPrefix("user:") || actingUser.hasPrefix("system:") else {
            throw InvalidInput(line: line, problems: ["acting user must look like user:<login> or system:<name>"])
        }
        let id = messageId ?? UUID().uuidString.lowercased()
        let envelope = RawEnvelope(type: type, version: version ?? topology.latestVersion(of: type)!, id: id,
                                   correlationId: correlationId ?? id, causationId: nil, occurredAt: clock.now(),
                                   actingUser: actingUser, body: body)
        let data = try MessageCoding.encoder().encode(envelope)
        let message = OutgoingMessage(type: type, messageId: id, correlationId: envelope.correlationId, body: data)
        let outbound = OutboundMessage(
            exchange: topology.workers.exchange, routingKey: type, body: [UInt8](data),
            properties: AMQPProperties(contentType: "application/json", messageId: id,
                                       correlationId: envelope.correlationId, type: type,
                                       timestamp: UInt64(clock.now().timeIntervalSince1970), appId: "remit"))
        return Prepared(message: message, outbound: outbound)
    }

    /// Reads a JSON-lines file of bodies; every line is checked before anything is published.
    public func prepareLines(_ text: String, type: String, version: Int?, actingUser: String) throws -> [Prepared] {
        var prepared: [Prepared] = []
        var failures: [InvalidInput] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            do {
                let body = try JSONValue.parse(Data(trimmed.utf8))
                prepared.append(try prepare(type: type, body: body, version: version, actingUser: actingUser, line: index + 1))
            } catch let invalid as InvalidInput {
                failures.append(invalid)
            } catch {
                failures.append(InvalidInput(line: index + 1, problems: ["not JSON: \(error)"]))
            }
        }
        if !failures.isEmpty {
            throw InvalidInput(line: nil, problems: failures.map(\.description))
        }
        return prepared
    }
}

/// An envelope whose body is any JSON, for producers that do not know the Swift body type.
struct RawEnvelope: Codable {
    var type: String
    var version: Int
    var id: String
    var correlationId: String
    var causationId: String?
    var occurredAt: Date
    var actingUser: String
    var body: JSONValue
}
