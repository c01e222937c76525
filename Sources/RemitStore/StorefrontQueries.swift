import Foundation
import RemitCore

/// What the storefront's commands read and write in the channel store: cart validation, payment
/// posting, invoice requests, e-mail dispatch, and each command's outcome. What a buyer may pay is
/// read through `BuyerViewQueries`, the check the portal shows.
public protocol StorefrontQueries {
    func user(login: String) throws -> ChannelUser?
    func customer(account: String) throws -> ChannelCustomer?
    func invoice(number: String) throws -> ChannelInvoice?
    func product(sku: String) throws -> ChannelProduct?

    /// The user's open cart, if any (at most one).
    func openCart(user: String) throws -> Cart?
    func insert(_ cart: Cart) throws
    func touchCart(id: String, at: Date) throws
    func submitCart(id: String, tender: Tender, at: Date) throws
    /// The cart's lines in their order.
    func cartLines(cart: String) throws -> [CartLine]
    func cartLine(id: String, cart: String) throws -> CartLine?
    func insert(_ line: CartLine) throws
    func setCartLineAmount(id: String, quantity: Int, amount: Money) throws
    func removeCartLine(id: String) throws

    func transaction(id: String) throws -> ChannelTransaction?
    /// Records the payment or order once; the same id again changes nothing. Returns whether it was new.
    @discardableResult func record(_ transaction: ChannelTransaction) throws -> Bool

    func request(id: String) throws -> B2BRequest?
    /// The user's latest request for `invoice` submitted at or after `since`.
    func recentRequest(user: String, invoice: String, since: Date) throws -> B2BRequest?
    /// Counts one more ask for the same request (merged into it).
    func recordRepeat(requestId: String, at: Date) throws
    /// Records the request once; returns whether it was new.
    @discardableResult func record(_ request: B2BRequest) throws -> Bool
    /// Moves a request forward to `status` (never back).
    func applyRequestChange(requestId: String, status: B2BRequest.Status, detail: String?, at: Date) throws

    func ledgerEntry(requestId: String) throws -> EmailLedgerEntry?
    /// Inserts the entry or replaces the one of its request.
    func save(_ entry: EmailLedgerEntry) throws

    /// Records a collection letter e-mail dispatch sent; the same letter again changes nothing.
    func record(_ letter: SentLetter) throws

    func record(_ outcome: CommandOutcome) throws
    func outcome(messageId: String) throws -> CommandOutcome?

    /// Stores the smoke worker's entry; returns its id. A key stored before is a constraint failure.
    func record(_ smoke: SmokeRecordEntry) throws -> Int64
    /// The smoke entries stored after id `after`, in the order stored: the latency benchmark
    /// watches them appear.
    func smokeKeys(after: Int64) throws -> [(id: Int64, key: String)]
}
