import Foundation
import RemitCore

/// The body types a consumer can decode, by message type and schema version.
public struct MessageBodyTypes: Sendable {
    private let types: [String: [Int: any MessageBody.Type]]

    public init(_ types: [any MessageBody.Type]) {
        var byType: [String: [Int: any MessageBody.Type]] = [:]
        for type in types { byType[type.messageType, default: [:]][type.schemaVersion] = type }
        self.types = byType
    }

    public func type(for messageType: String, version: Int) -> (any MessageBody.Type)? {
        types[messageType]?[version]
    }

    public func handles(_ messageType: String) -> Bool { types[messageType] != nil }

    static let userInfoKey = CodingUserInfoKey(rawValue: "remit.messageBodyTypes")!
}

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
    public static func decode(_ data: Data, bodyTypes: MessageBodyTypes, using decoder: JSONDecoder) throws -> DecodedEnvelope {
        decoder.userInfo[MessageBodyTypes.userInfoKey] = bodyTypes
        return try decoder.decode(Wire.self, from: data).envelope
    }

    private struct Wire: Decodable {
        let envelope: DecodedEnvelope

        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: EnvelopeCodingKeys.self)
            let header = try EnvelopeHeader(from: container)
            let bodyTypes = decoder.userInfo[MessageBodyTypes.userInfoKey] as? MessageBodyTypes
            let body: Body
            if let bodyType = bodyTypes?.type(for: header.type, version: header.version) {
                do {
                    body = .decoded(try container.decode(bodyType, forKey: .body))
                } catch let error as DecodingError {
                    body = .invalid(DecodingErrorText.describe(error))
                }
            } else if bodyTypes?.handles(header.type) == true {
                body = .unsupportedVersion
            } else {
                body = .unknownType
            }
            envelope = DecodedEnvelope(header: header, body: body)
        }
    }
}

/// `DecodingError` as one line a person can act on: `$.body.amount: missing 'currency'`.
public enum DecodingErrorText {
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.isEmpty ? "$" : "$" + joined
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context)): missing '\(key.stringValue)'"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
