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
