import Foundation
import RemitMessages
import RemitRuntime
import RemitStore

/// The `email-dispatch` worker kind: invoice copies (`email.send`, `EmailDispatchHandler`) and
/// collection letters (`email.letter`, `CollectionLetterHandler`), each sent once through the
/// e-mail ledger. Each step goes to the handler of the message's type.
public struct EmailDispatch: ExternalEffectHandler {
    let copies: EmailDispatchHandler
    let letters: CollectionLetterHandler

    public init(mail: MailSettings) throws {
        copies = try EmailDispatchHandler(mail: mail)
        letters = try CollectionLetterHandler(mail: mail)
    }

    public var bodyTypes: [any MessageBody.Type] { [EmailSend.self, EmailLetter.self] }

    private func handler(for message: IncomingMessage) -> any ExternalEffectHandler {
        message.header.type == EmailLetter.messageType ? letters : copies
    }

    public func handle(
        _ message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws
        -> [OutgoingMessage]
    {
        try handler(for: message).handle(message, context: context, in: transaction)
    }

    public func prepareEffect(
        for message: IncomingMessage, context: HandlerContext, in transaction: any StoreTransaction
    ) throws
        -> (any Sendable)?
    {
        try handler(for: message).prepareEffect(for: message, context: context, in: transaction)
    }

    public func performEffect(_ effect: any Sendable, for message: IncomingMessage, context: HandlerContext) async -> EffectOutcome {
        await handler(for: message).performEffect(effect, for: message, context: context)
    }

    public func recordEffect(
        _ outcome: EffectOutcome, of effect: any Sendable, for message: IncomingMessage, context: HandlerContext,
        in transaction: any StoreTransaction
    ) throws {
        try handler(for: message).recordEffect(outcome, of: effect, for: message, context: context, in: transaction)
    }
}
