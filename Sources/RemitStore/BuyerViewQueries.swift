import RemitCore

/// What a buyer sees, read from the channel store: the portal's pages and API, `remit shop`, and the
/// checks the storefront's commands share with them. None of these writes.
public protocol BuyerViewQueries {
    /// The user with their customer and access, or nil when the channel does not know both (yet).
    func buyer(login: String) throws -> BuyerView.Buyer?
    /// The invoices of `accounts` that pass `query`, in its order, `limit` from `offset`; an account
    /// in the query that is not among `accounts` finds nothing.
    func invoicePage(
        accounts: [String], query: BuyerView.InvoiceQuery, today: CalendarDate, offset: Int, limit: Int
    ) throws -> BuyerView.InvoicePage
    /// `invoice` with the channel's payments for it that HQ has not settled yet.
    func row(_ invoice: ChannelInvoice) throws -> BuyerView.InvoiceRow
    /// The buyer's open cart, with why each invoice line could not be paid as it stands.
    func openCart(buyer: BuyerView.Buyer, today: CalendarDate) throws -> BuyerView.OpenCart
    /// The credit of the account `buyer` charges on account; nil for a currency Remit does not know.
    func accountSummary(buyer: BuyerView.Buyer) throws -> BuyerView.AccountSummary?
    /// Nil when the invoice does not exist or is out of the buyer's reach (the same nil).
    func invoiceDetail(buyer: BuyerView.Buyer, number: String) throws -> BuyerView.InvoiceDetail?
    /// The user's B2B requests, newest first.
    func requests(user: String, limit: Int) throws -> [BuyerView.RequestRow]
    /// The collection letters sent that listed each of `invoices`, newest first (an invoice with
    /// none is left out). The caller passes only numbers the buyer reaches.
    func letters(invoices: [String]) throws -> [String: [SentLetter]]
    /// The collection letters sent to `accounts`, newest first, at most `limit`.
    func letters(accounts: [String], limit: Int) throws -> [SentLetter]
    /// The user's sign-in secret (a bcrypt hash), if the channel holds one.
    func credential(login: String) throws -> ChannelCredential?
    /// Throws when the store does not answer the portal's most read query (its health check).
    func checkReadable() throws
}
