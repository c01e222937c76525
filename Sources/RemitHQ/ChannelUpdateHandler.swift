import Foundation
import GRDB
import RemitCore
import RemitRuntime
import RemitStore

/// The `channel-updates` worker kind: applies what HQ distributed to the channel store the portal
/// reads. A snapshot older than the one stored never overwrites it (distribution may redeliver).
public struct ChannelUpdateHandler: MessageHandler {
    let clock: any WallClock

    public init(clock: any WallClock) { self.clock = clock }

    public var bodyTypes: [any MessageBody.Type] { [InvoicesChanged.self, CustomersChanged.self, RequestsChanged.self] }

    public func handle(_ message: IncomingMessage, in db: Database) throws -> [OutgoingMessage] {
        switch message.body {
        case let changed as InvoicesChanged: try apply(changed, db)
        case let changed as CustomersChanged: try apply(changed, db)
        case let changed as RequestsChanged: try apply(changed, db)
        default: throw BadInput("channel-updates does not handle \(message.header.type)")
        }
        return []
    }

    private func apply(_ changed: InvoicesChanged, _ db: Database) throws {
        for invoice in changed.invoices {
            try ChannelInvoice(
                number: invoice.number, customerAccount: invoice.customerAccount, invoiceDate: invoice.invoiceDate,
                dueDate: invoice.dueDate, discountLastDay: invoice.discountLastDay, discountMinor: invoice.discount.minorUnits,
                currency: invoice.total.currency, totalMinor: invoice.total.minorUnits, settledMinor: invoice.settled.minorUnits,
                discountTakenMinor: invoice.discountTaken.minorUnits, status: invoice.amounts.status, hqChangedAt: invoice.changedAt
            ).upsertIfNewer(db)
        }
    }

    private func apply(_ changed: CustomersChanged, _ db: Database) throws {
        for customer in changed.customers {
            let stored = try ChannelCustomer(
                account: customer.account, name: customer.name, email: customer.email, currency: customer.currency,
                invoiceAccount: customer.invoiceAccount, allowOnAccount: customer.allowOnAccount,
                creditLimitMinor: customer.creditLimit.minorUnits, hqChangedAt: customer.changedAt
            ).upsertIfNewer(db)
            // The users belong to the snapshot: an older one (a retried or redelivered message) that
            // was not stored must not bring back the users it had.
            guard stored else { continue }
            try ChannelUser.replace(db, ofCustomer: customer.account, with: customer.users.map { user in
                ChannelUser(login: user.login, customerAccount: customer.account, displayName: user.displayName, email: user.email)
            })
        }
    }

    private func apply(_ changed: RequestsChanged, _ db: Database) throws {
        for change in changed.requests {
            // The message schema allows only the channel's statuses.
            guard let status = B2BRequest.Status(rawValue: change.status) else {
                throw BadInput("request \(change.requestId) has an unknown status '\(change.status.prefix(40))'")
            }
            try B2BRequest.applyChange(db, requestId: change.requestId, status: status, detail: change.detail, at: change.at)
        }
    }
}
