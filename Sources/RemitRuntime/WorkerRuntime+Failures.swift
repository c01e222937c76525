import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore
import Synchronization

/// Reading a delivery, and what goes back to the broker for one that failed: a retry or a dead letter.
extension WorkerRuntime {
    /// Reads the delivery once into a `JSONTape`, checks it against the envelope schema and its
    /// type's schema (the same check `remit publish` makes), then decodes the Swift body type from
    /// the same tape.
    func decode(_ delivery: Delivery) -> Result<(EnvelopeHeader, any MessageBody), BadInput> {
        let tape: JSONTape
        do {
            tape = try JSONReader.tape(delivery.body)
        } catch {
            return .failure(BadInput("not a Remit envelope: the body is not JSON (\(error))"))
        }
        let root = JSONTape.root
        let envelopeProblems = topology.envelopeSchema.violations(of: tape, at: root)
        guard envelopeProblems.isEmpty else {
            return .failure(BadInput("not a Remit envelope: " + MessageValidator.summarize(envelopeProblems.map(\.description))))
        }
        let type = tape.member(root, "type").map(tape.string) ?? ""
        let version = Int(tape.member(root, "version").flatMap(tape.integer) ?? 0)
        guard kind.consumes.contains(type), bodyTypes.handles(type) else {
            return .failure(
                BadInput("worker kind '\(kind.name)' does not handle message type '\(SchemaViolation.shown(type))'"))
        }
        guard bodyTypes.type(for: type, version: version) != nil else {
            return .failure(BadInput("\(type) schema version \(version) is not supported by this worker"))
        }
        let bodyProblems =
            tape.member(root, "body").map { validator.violations(body: tape, at: $0, type: type, version: version) }
            ?? validator.violations(body: .null, type: type, version: version)
        guard bodyProblems.isEmpty else {
            return .failure(BadInput("\(type) v\(version) body does not match its schema: " + MessageValidator.summarize(bodyProblems)))
        }
        let envelope: DecodedEnvelope
        do {
            envelope = try DecodedEnvelope.decode(tape, bodyTypes: bodyTypes)
        } catch let error as DecodingError {
            return .failure(BadInput("not a Remit envelope: \(DecodingErrorText.describe(error))"))
        } catch {
            return .failure(BadInput("not a Remit envelope: \(error)"))
        }
        switch envelope.body {
        case .decoded(let body):
            return .success((envelope.header, body))
        case .unknownType, .unsupportedVersion:
            return .failure(BadInput("\(type) schema version \(version) is not supported by this worker"))
        case .invalid(let reason):
            return .failure(BadInput("\(type) v\(version) body does not decode: \(reason)"))
        }
    }

    func retryOrDeadLetter(_ delivery: Delivery, attempt: Int, error: String) -> OutboundMessage {
        guard attempt >= 1, attempt <= kind.retryQueues.count else {
            return deadLetter(delivery, reason: .retriesExhausted, attempt: attempt, error: error)
        }
        let properties = failureProperties(delivery, attempt: attempt + 1, error: error)
        logger.info(
            "message will be retried",
            metadata: Self.traced(
                delivery,
                [
                    "message_id": "\(delivery.properties.messageId ?? "-")", "attempt": "\(attempt)",
                    "retry_queue": "\(kind.retryQueues[attempt - 1])", "error": "\(Self.truncate(error))",
                ]))
        // The default exchange routes straight to the tier's queue; its TTL dead-letters it back.
        return OutboundMessage(
            exchange: "", routingKey: kind.retryQueues[attempt - 1], body: delivery.body,
            properties: properties)
    }

    func deadLetter(_ delivery: Delivery, reason: DeadLetterReason, attempt: Int, error: String) -> OutboundMessage {
        var properties = failureProperties(delivery, attempt: attempt, error: error)
        properties.headers[RemitHeader.reason] = .string(reason.rawValue)
        properties.headers[RemitHeader.failedAt] = .string(Timestamp.format(clock.now()))
        logger.warning(
            "message dead-lettered",
            metadata: Self.traced(
                delivery,
                [
                    "message_id": "\(delivery.properties.messageId ?? "-")", "reason": "\(reason.rawValue)",
                    "attempts": "\(attempt)", "error": "\(Self.truncate(error))",
                ]))
        return OutboundMessage(
            exchange: topology.workers.deadLetterExchange, routingKey: kind.queue, body: delivery.body,
            properties: properties)
    }

    /// `metadata` with the trace the delivery carries (`trace_id`, and the `span_id` it names as
    /// its parent), so a retry's or a dead letter's line is found from its trace.
    static func traced(_ delivery: Delivery, _ metadata: Logger.Metadata) -> Logger.Metadata {
        guard let trace = TraceContext(headers: delivery.properties.headers) else { return metadata }
        var metadata = metadata
        metadata["trace_id"] = "\(trace.traceID)"
        metadata["span_id"] = "\(trace.spanID)"
        return metadata
    }

    /// The delivery's properties as a retry or a dead letter carries them: persistent, with the
    /// attempt, the error in words, this worker and where the message first came from.
    func failureProperties(_ delivery: Delivery, attempt: Int, error: String) -> AMQPProperties {
        var properties = delivery.properties
        properties.persistent = true
        properties.headers[RemitHeader.attempt] = .int(Int64(attempt))
        properties.headers[RemitHeader.error] = .string(Self.truncate(error))
        properties.headers[RemitHeader.worker] = .string(kind.name)
        stampOrigin(&properties, delivery)
        return properties
    }

    func stampOrigin(_ properties: inout AMQPProperties, _ delivery: Delivery) {
        // A delivery straight from the Remit exchange is a producer's publish: whatever origin
        // headers it carries are input, not ours, and are replaced by where it really came from.
        if properties.headers[RemitHeader.originalExchange] == nil || delivery.exchange == topology.workers.exchange {
            properties.headers[RemitHeader.originalExchange] = .string(delivery.exchange)
            properties.headers[RemitHeader.originalRoutingKey] = .string(delivery.routingKey)
        }
    }

    /// An error in words for logs and dead-letter headers; store errors name the store's file.
    func describe(_ error: any Error) -> String {
        switch error {
        case let error as StoreFailure: return error.description
        case let error as CorruptStoredValue: return "\(store.path): \(error)"
        default: return String(describing: error)
        }
    }

    static func truncate(_ text: String) -> String {
        text.count <= 500 ? text : String(text.prefix(497)) + "..."
    }
}
