import Foundation
import RemitCore
import RemitSQLite
import RemitStore

/// What a buyer sees, read from the channel store of a data directory for `remit shop`: the same
/// views the portal shows. Read-only; a login the channel does not know is a `ShopView.UnknownUser`.
public struct ShopView: Sendable {
    /// No such user in the channel store (distribution has not brought it yet, or a typo).
    public struct UnknownUser: Error, Sendable, CustomStringConvertible {
        public var login: String
        public var description: String { "no user '\(login.prefix(128))' in the channel store (has distribution run?)" }
    }

    let dataDirectory: String

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// The channel store of the data directory, read-only: the one place this type names a backend.
    private func channel() throws -> any ChannelStoreReader {
        try ChannelStore(dataDirectory: dataDirectory, readOnly: true)
    }

    private static func buyer(_ channel: any ChannelStoreTransaction, _ login: String) throws -> BuyerView.Buyer {
        guard let buyer = try channel.buyerViews.buyer(login: login) else { throw UnknownUser(login: login) }
        return buyer
    }

    /// The invoices `login` may see, in `status` when given, the first `limit`.
    public func invoices(
        of login: String, status: BuyerView.InvoiceFilter?, today: CalendarDate, limit: Int = 500
    ) async throws -> [BuyerView.InvoiceRow] {
        try await channel().readChannel { channel in
            let buyer = try Self.buyer(channel, login)
            return try channel.buyerViews.invoicePage(
                accounts: buyer.access.accounts, query: .init(status: status), today: today, offset: 0, limit: limit
            ).rows
        }
    }

    /// My account → B2B requests of `login`.
    public func requests(of login: String) async throws -> [BuyerView.RequestRow] {
        try await channel().readChannel { channel in
            _ = try Self.buyer(channel, login)
            return try channel.buyerViews.requests(user: login, limit: 200)
        }
    }

    /// The lines of `login`'s open cart; empty when there is none.
    public func cart(of login: String) async throws -> [CartLine] {
        try await channel().readChannel { channel in
            _ = try Self.buyer(channel, login)
            guard let cart = try channel.storefront.openCart(user: login) else { return [] }
            return try channel.storefront.cartLines(cart: cart.id)
        }
    }

    /// What became of the command with `messageId`, when a worker recorded it.
    public func outcome(of messageId: String) async throws -> CommandOutcome? {
        try await channel().readChannel { try $0.storefront.outcome(messageId: messageId) }
    }
}
