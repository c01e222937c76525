import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// The `invoice-requests` worker kind: a copy request (from the portal or a producer) becomes a B2B
/// request, *submitted*, under My account → B2B requests. P-0001 uploads it, HQ's sync job hands the
/// e-mail on, e-mail dispatch completes it. A repeat within the merge window joins the first request.
public struct InvoiceRequestHandler: TypedMessageHandler {
    let policy: StorefrontPolicy

    public init(policy: StorefrontPolicy) { self.policy = policy }

    public func handle(
        _ envelope: Envelope<InvoiceRequest>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let body = envelope.body
        return try runCommand(envelope.header, user: body.user, context: context, in: channel) {
            let buyer = try Buyer.load(channel, login: body.user, actingUser: envelope.actingUser)
            let invoice = try buyer.invoice(channel, number: body.invoiceNumber)
            let window = context.now.addingTimeInterval(-Double(policy.requestMergeSeconds))
            if let earlier = try channel.storefront.recentRequest(user: buyer.user.login, invoice: invoice.number, since: window) {
                try channel.storefront.recordRepeat(requestId: earlier.requestId, at: context.now)
                return Accepted(requestId: earlier.requestId)
            }
            let request = B2BRequest(
                requestId: DeterministicID.make(from: envelope.id, "request"), userLogin: buyer.user.login,
                customerAccount: buyer.customer.account, invoiceNumber: invoice.number, submittedAt: context.now)
            try channel.storefront.record(request)
            // Where the click's trace goes on when P-0001 uploads the request.
            if let trace = context.keptTrace { try channel.traceContexts.keep(trace, for: TracedItem(.request, request.requestId)) }
            return Accepted(requestId: request.requestId)
        }
    }
}
