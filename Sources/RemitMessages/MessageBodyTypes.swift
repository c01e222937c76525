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
            PaymentPost.self, InvoicePay.self, InvoiceRequest.self, CommandReply.self, EmailSend.self, EmailLetter.self,
            InvoicesChanged.self, CustomersChanged.self, ProductsChanged.self, RequestsChanged.self,
            SmokeRecord.self, SmokeRecorded.self,
            P0001Run.self, SynchronizeRun.self, InvoicePostingRun.self, DistributionRun.self, CollectionLettersRun.self,
        ])
}
