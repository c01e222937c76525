import Foundation
import RemitCore
import RemitMessages
import RemitRuntime
import RemitStore

struct CustomersChangedHandler: TypedMessageHandler {
    func handle(
        _ envelope: Envelope<CustomersChanged>, context: HandlerContext, in channel: any ChannelStoreTransaction
    ) throws -> [OutgoingMessage] {
        let updates = channel.channelUpdates
        for customer in envelope.body.customers {
            let stored = try updates.storeIfNewer(
                ChannelCustomer(
                    account: customer.account, name: customer.name, email: customer.email, currency: customer.currency,
                    invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                    creditLimitMinor: customer.creditLimit.minorUnits, hqChangedAt: customer.changedAt, address: customer.address))
            // The users belong to the snapshot: an older one (a retried or redelivered message) that
            // was not stored must not bring back the users it had.
            guard stored else { continue }
            try updates.replaceUsers(
                ofCustomer: customer.account,
                with: customer.users.map { user in
                    ChannelUser(login: user.login, customerAccount: customer.account, displayName: user.displayName, email: user.email)
                })
        }
        return []
    }
}
