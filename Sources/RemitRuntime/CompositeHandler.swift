import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages
import RemitStore

/// One worker kind made of typed handlers, each for its own message types.
public struct CompositeHandler: MessageHandler {
    let handlers: [any MessageHandler]

    public init(_ handlers: [any MessageHandler]) { self.handlers = handlers }

    public var bodyTypes: [any MessageBody.Type] { handlers.flatMap(\.bodyTypes) }

    public func handle(
        _ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws -> [OutgoingMessage] {
        guard let handler = handlers.first(where: { $0.bodyTypes.contains { $0.messageType == message.header.type } }) else {
            throw BadInput("no handler for message type '\(message.header.type)'")
        }
        return try handler.handle(message, context: context, in: transaction)
    }
}
