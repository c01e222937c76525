import Foundation
import Logging
import Metrics
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

/// A signed-in buyer as the channel store knows them: the user, their customer, and what they may
/// reach. Every storefront worker starts a command here, so access is decided the same way for the
/// portal's clicks and producers' commands.
struct Buyer {
    let user: ChannelUser
    let customer: ChannelCustomer
    let access: InvoiceAccessPolicy

    /// The user a command names. A command stamped by a signed-in user (`user:<login>`) may act only
    /// for that user; a system (`system:<name>`, e.g. a producer's integration) acts for anyone.
    static func load(_ channel: any ChannelStoreTransaction, login: String, actingUser: String) throws -> Buyer {
        if actingUser.hasPrefix("user:"), actingUser != "user:\(login)" { throw StorefrontRefusal.notActingUser }
        guard let user = try channel.storefront.user(login: login),
            let customer = try channel.storefront.customer(account: user.customerAccount)
        else { throw StorefrontRefusal.unknownUser(String(login.prefix(128))) }
        return Buyer(
            user: user, customer: customer,
            access: InvoiceAccessPolicy(customerAccount: customer.account, invoiceAccount: customer.invoiceAccount))
    }

    /// The invoice, when the buyer may reach it; otherwise "not found", whether it exists or not.
    func invoice(_ channel: any ChannelStoreTransaction, number: String) throws -> ChannelInvoice {
        let invoice = try channel.storefront.invoice(number: number)
        guard let invoice, access.allows(invoiceOwnedBy: invoice.customerAccount) else {
            throw StorefrontRefusal.invoiceNotFound(String(number.prefix(128)))
        }
        return invoice
    }

    /// What the buyer may still pay on `invoice`, with the channel's pending payments counted.
    func balance(_ channel: any ChannelStoreTransaction, of invoice: ChannelInvoice) throws -> InvoiceBalance {
        try channel.buyerViews.row(invoice).balance
    }

    /// The buyer as the store's views take them.
    var view: BuyerView.Buyer { BuyerView.Buyer(user: user, customer: customer, access: access) }

    /// The charged account's credit, decided as the portal's account summary decides it.
    func accountSummary(_ channel: any ChannelStoreTransaction) throws -> BuyerView.AccountSummary? {
        try channel.buyerViews.accountSummary(buyer: view)
    }

    func checkTender(
        _ channel: any ChannelStoreTransaction, tender: Tender, cardAuthorization: String?, paysInvoices: Bool, charge: Money,
        policy: StorefrontPolicy
    ) throws {
        let summary = try accountSummary(channel)
        // A charge in another currency than the account's finds no credit.
        let headroom =
            tender == .onAccount && summary?.currency == charge.currency
            ? summary?.headroom ?? .zero(charge.currency) : .zero(charge.currency)
        try CartRules.checkTender(
            tender, cardAuthorization: cardAuthorization, paysInvoices: paysInvoices, charge: charge,
            allowOnAccount: summary?.allowsOnAccount ?? false, headroom: headroom, policy: policy)
    }
}

/// What an accepted command produced.
struct Accepted {
    var paymentId: String?
    var requestId: String?
    var lineId: String?
    var followUps: [OutgoingMessage] = []
}

/// `remit_commands_total` of commands of `type` accepted (no code) or refused with `refusalCode`.
func commandCounter(type: String, refusalCode: String?) -> Counter {
    Counter(
        label: "remit_commands_total",
        dimensions: [("type", type), ("outcome", refusalCode == nil ? "accepted" : "refused")]
            + (refusalCode.map { [("code", $0)] } ?? []))
}

/// `handler`, with the accepted count of each command it decides made now, at 0: a metric is
/// exported from the start, not first when something happens.
func countingCommands(_ handler: some MessageHandler) -> some MessageHandler {
    for type in handler.bodyTypes { _ = commandCounter(type: type.messageType, refusalCode: nil) }
    return handler
}

/// Runs a storefront command: `decide` either returns what it did or throws a `StorefrontRefusal`,
/// in which case nothing it wrote is kept. Either way the outcome is recorded for the portal and,
/// when the producer asked for one, answered on its reply address. A refusal is an outcome, not a
/// failure: the message is applied (and acked), never retried or dead-lettered.
func runCommand(
    _ header: EnvelopeHeader, user: String, context: HandlerContext, in channel: any ChannelStoreTransaction,
    _ decide: () throws -> Accepted
) throws -> [OutgoingMessage] {
    var accepted: Accepted?
    var refusal: StorefrontRefusal?
    do {
        accepted = try channel.savepoint(decide)
    } catch let refused as StorefrontRefusal {
        refusal = refused
    }
    let outcome = CommandOutcome(
        messageId: header.id, type: header.type, userLogin: String(user.prefix(128)), correlationId: header.correlationId,
        outcome: accepted == nil ? .refused : .accepted, code: refusal?.code, reason: refusal?.description,
        paymentId: accepted?.paymentId, requestId: accepted?.requestId, lineId: accepted?.lineId, at: context.now)
    try channel.storefront.record(outcome)
    if let refusal {
        context.logger.info("command refused", metadata: ["type": "\(header.type)", "code": "\(refusal.code)"])
    }
    // Counted when decided; a batch whose transaction is rolled back and retried counts it again.
    commandCounter(type: header.type, refusalCode: refusal?.code).increment()
    return (accepted?.followUps ?? []) + (try context.answer(outcome.reply))
}

extension CommandOutcome {
    /// The reply a producer gets for this outcome.
    var reply: CommandReply {
        CommandReply(
            command: type, commandId: messageId, outcome: outcome == .accepted ? .accepted : .refused, code: code, reason: reason,
            paymentId: paymentId, requestId: requestId, lineId: lineId)
    }
}
