import Foundation

/// The check of what a part of Remit sends, made before the transaction that produced it commits:
/// the whole envelope against its schemas, then the typed decoding its consumer makes. A producer
/// (`remit publish`, the portal), a handler's follow-ups, an answer and a job's output all pass
/// through it, so nothing Remit sends is a message its own consumer must refuse.
public struct FollowUpCheck: Sendable {
    public let validator: MessageValidator

    public init(topology: Topology) { validator = MessageValidator(topology: topology) }

    /// Why `message`'s consumer would refuse it; empty when it will be accepted.
    public func problems(of message: OutgoingMessage) -> [String] {
        let tape: JSONTape
        do {
            tape = try JSONReader.tape(message.body)
        } catch {
            return ["\(message.type) is not JSON: \(error)"]
        }
        if let typeNode = tape.member(JSONTape.root, "type"), tape.kind(typeNode) == .string, !tape.keyEquals(typeNode, message.type) {
            let type = tape.string(typeNode)
            return ["the envelope says type \(type.prefix(80)) but the message is published as \(message.type)"]
        }
        let violations = validator.violations(envelope: tape)
        guard violations.isEmpty else { return violations }
        // What a schema cannot say (an amount with more decimals than its currency has, a date that
        // does not exist…), the body's own decoding does — as the consumer will decode it.
        let version = tape.member(JSONTape.root, "version").flatMap(tape.integer).map { Int($0) } ?? 0
        do {
            switch try DecodedEnvelope.decode(tape, bodyTypes: .remit).body {
            case .decoded: return []
            case .invalid(let reason): return ["\(message.type) v\(version) body does not decode: \(reason)"]
            case .unknownType, .unsupportedVersion: return ["\(message.type) v\(version) is read by no worker of this build"]
            }
        } catch let error as DecodingError {
            return ["\(message.type) envelope does not decode: \(DecodingErrorText.describe(error))"]
        } catch {
            return ["\(message.type) envelope does not decode: \(error)"]
        }
    }

    /// Throws `UnsendableMessage` for the first of `messages` its consumer would refuse.
    public func check(_ messages: [OutgoingMessage]) throws {
        for message in messages {
            let problems = problems(of: message)
            if !problems.isEmpty { throw UnsendableMessage(message: message, problems: problems) }
        }
    }
}
