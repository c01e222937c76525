import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages

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

    /// Builds the envelope for `body` of message `type` and checks it as a worker will — its schema,
    /// then its decoding; throws `InvalidInput` listing every violation.
    public func prepare(
        type: String, body: JSONValue, version: Int? = nil, actingUser: String,
        messageId: String? = nil, correlationId: String? = nil, line: Int? = nil
    ) throws -> Prepared {
        let validator = MessageValidator(topology: topology)
        guard let version = version ?? topology.latestVersion(of: type) else {
            throw InvalidInput(line: line, problems: validator.violations(body: body, type: type))
        }
        let id = messageId ?? UUID().uuidString.lowercased()
        let envelope = RawEnvelope(
            type: type, version: version, id: id, correlationId: correlationId ?? id, causationId: nil,
            occurredAt: clock.now(), actingUser: actingUser, body: body)
        let data = try MessageCoding.encoder().encode(envelope)
        let message = OutgoingMessage(type: type, messageId: id, correlationId: envelope.correlationId, body: data)
        // The one check of what Remit sends: the schemas, then the decoding the worker will make.
        let problems = FollowUpCheck(topology: topology).problems(of: message)
        guard problems.isEmpty else { throw InvalidInput(line: line, problems: problems) }
        return Prepared(message: message, outbound: message.outbound(on: topology, at: clock.now()))
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

extension OutgoingMessage {
    /// The one way a Remit message goes onto the broker: on the Remit exchange, routed by its type,
    /// persistent, with its ids in the AMQP properties.
    public func outbound(on topology: Topology, at now: Date) -> OutboundMessage {
        if let reply {
            // An answer: straight to the producer's queue through the default exchange, carrying
            // the producer's correlation id so it can match the answer to its command. Persistent,
            // so that in a producer's durable queue it outlives a broker restart (found by
            // `scripts/chaos faults`; a direct reply-to or a transient queue keeps nothing anyway).
            // Not mandatory: a producer that went away (its direct reply-to channel closed, its
            // queue deleted) loses only the answer — the outcome is kept in the channel store — and
            // must not hold up the worker's batch.
            return OutboundMessage(
                exchange: "", routingKey: reply.queue, body: [UInt8](body),
                properties: AMQPProperties(
                    contentType: "application/json", messageId: messageId, correlationId: reply.correlationId,
                    type: type, timestamp: UInt64(max(0, now.timeIntervalSince1970)), appId: "remit", persistent: true,
                    headers: traceHeaders),
                mandatory: false)
        }
        return OutboundMessage(
            exchange: topology.workers.exchange, routingKey: type, body: [UInt8](body),
            properties: AMQPProperties(
                contentType: "application/json", messageId: messageId, correlationId: correlationId,
                type: type, timestamp: UInt64(max(0, now.timeIntervalSince1970)), appId: "remit", headers: traceHeaders))
    }

    /// `traceparent` and `tracestate` when the message continues a trace; else no headers.
    private var traceHeaders: AMQPTable {
        var headers: AMQPTable = [:]
        trace?.write(into: &headers)
        return headers
    }
}
