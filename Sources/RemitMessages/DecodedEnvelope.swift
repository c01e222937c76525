import Foundation
import RemitCore

/// An envelope decoded in one pass: the header, and the body as the type its `type` and `version`
/// name — or why it could not be decoded.
public struct DecodedEnvelope: Sendable {
    public enum Body: Sendable {
        case decoded(any MessageBody)
        /// The type is known but the version is not.
        case unsupportedVersion
        /// The type is not one the decoder was given.
        case unknownType
        /// The body does not match its type; the text says where and why.
        case invalid(String)
    }

    public var header: EnvelopeHeader
    public var body: Body

    /// Decodes `data`; throws `DecodingError` only when the envelope itself is not one.
    public static func decode(
        _ data: Data, bodyTypes: MessageBodyTypes, using decoder: MessageDecoder = MessageDecoder()
    ) throws -> DecodedEnvelope {
        try decode(decoder.tape(data), bodyTypes: bodyTypes, using: decoder)
    }

    /// Decodes an envelope built as a `JSONValue`.
    public static func decode(
        _ json: JSONValue, bodyTypes: MessageBodyTypes, using decoder: MessageDecoder = MessageDecoder()
    ) throws -> DecodedEnvelope {
        try decode(JSONTape(json), bodyTypes: bodyTypes, using: decoder)
    }

    /// Decodes an envelope already read into a tape (a worker reads each delivery once, checks it
    /// against the schemas, then decodes it from the same tape).
    public static func decode(
        _ tape: JSONTape, bodyTypes: MessageBodyTypes, using decoder: MessageDecoder = MessageDecoder()
    ) throws -> DecodedEnvelope {
        let header = try decoder.decode(EnvelopeHeader.self, from: tape, at: JSONTape.root)
        let body: Body
        if let bodyType = bodyTypes.type(for: header.type, version: header.version) {
            do {
                guard let bodyNode = tape.member(JSONTape.root, "body") else {
                    throw DecodingError.keyNotFound(
                        EnvelopeCodingKeys.body, .init(codingPath: [], debugDescription: "the envelope has no body"))
                }
                body = .decoded(try decoder.decode(bodyType, from: tape, at: bodyNode, codingPath: [EnvelopeCodingKeys.body]))
            } catch let error as DecodingError {
                body = .invalid(DecodingErrorText.describe(error))
            }
        } else if bodyTypes.handles(header.type) {
            body = .unsupportedVersion
        } else {
            body = .unknownType
        }
        return DecodedEnvelope(header: header, body: body)
    }
}
