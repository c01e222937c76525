import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// A handler of one message type: it gets the envelope typed, and the transaction of its store
/// (`any ChannelStoreTransaction`, …) with its parts' queries, no casts.
public protocol TypedMessageHandler: MessageHandler {
    associatedtype Body: MessageBody
    /// The store's transaction the handler works in; any store's by default.
    associatedtype Transaction = any StoreTransaction
    func handle(_ envelope: Envelope<Body>, context: HandlerContext, in transaction: Transaction) throws -> [OutgoingMessage]
}

extension TypedMessageHandler {
    public var bodyTypes: [any MessageBody.Type] { [Body.self] }

    public func handle(
        _ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        guard let typed = transaction as? Transaction else {
            throw WrongStoreTransaction(expected: "\(Transaction.self)", given: "\(type(of: transaction))")
        }
        return try handle(message.envelope(Body.self), context: context, in: typed)
    }
}
