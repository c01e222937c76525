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

    /// Every (type, version) this set decodes.
    public var keys: Set<Topology.MessageKey> {
        Set(types.flatMap { type, versions in versions.keys.map { Topology.MessageKey(type: type, version: $0) } })
    }

    /// Every message body Remit defines, at each version a worker of this build reads: what a
    /// producer's body is decoded with before it is sent (one entry per schema in Topology/schemas).
    public static let remit = MessageBodyTypes(
        [
            CartAddInvoice.self, CartAddItem.self, CartUpdateLine.self, CartRemoveLine.self, CartCheckout.self,
            PaymentPost.self, InvoicePay.self, InvoiceRequest.self, CommandReply.self, EmailSend.self,
            InvoicesChanged.self, CustomersChanged.self, ProductsChanged.self, RequestsChanged.self,
            SmokeRecord.self, SmokeRecorded.self,
            P0001Run.self, SynchronizeRun.self, InvoicePostingRun.self, DistributionRun.self,
        ])
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
    public static func decode(
        _ data: Data, bodyTypes: MessageBodyTypes, using decoder: MessageDecoder = MessageDecoder()
    ) throws -> DecodedEnvelope {
        try decode(decoder.read(data), bodyTypes: bodyTypes, using: decoder)
    }

    /// Decodes an envelope already read into a `JSONValue` (a worker reads each delivery once, checks
    /// it against the schemas, then decodes it from the same tree).
    public static func decode(
        _ json: JSONValue, bodyTypes: MessageBodyTypes, using decoder: MessageDecoder = MessageDecoder()
    ) throws -> DecodedEnvelope {
        let header = try decoder.decode(EnvelopeHeader.self, from: json)
        let body: Body
        if let bodyType = bodyTypes.type(for: header.type, version: header.version) {
            do {
                guard let bodyJSON = json["body"] else {
                    throw DecodingError.keyNotFound(
                        EnvelopeCodingKeys.body, .init(codingPath: [], debugDescription: "the envelope has no body"))
                }
                body = .decoded(try decoder.decode(bodyType, from: bodyJSON, at: [EnvelopeCodingKeys.body]))
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
