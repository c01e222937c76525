import GRDB
import RemitCore
import RemitStore

/// What buyers see (`BuyerViewQueries`), read from the channel store's tables through `BuyerView`'s
/// SQLite queries.
struct SQLiteBuyerViews: BuyerViewQueries {
    let db: Database

    func buyer(login: String) throws -> BuyerView.Buyer? { try BuyerView.buyer(db, login: login) }

    func invoicePage(
        accounts: [String], query: BuyerView.InvoiceQuery, today: CalendarDate, offset: Int, limit: Int
    ) throws -> BuyerView.InvoicePage {
        try BuyerView.invoicePage(db, accounts: accounts, query: query, today: today, offset: offset, limit: limit)
    }

    func row(_ invoice: ChannelInvoice) throws -> BuyerView.InvoiceRow { try BuyerView.row(db, invoice) }

    func openCart(buyer: BuyerView.Buyer, today: CalendarDate) throws -> BuyerView.OpenCart {
        try BuyerView.openCart(db, buyer: buyer, today: today)
    }

    func accountSummary(buyer: BuyerView.Buyer) throws -> BuyerView.AccountSummary? { try BuyerView.accountSummary(db, buyer: buyer) }

    func invoiceDetail(buyer: BuyerView.Buyer, number: String) throws -> BuyerView.InvoiceDetail? {
        try BuyerView.invoiceDetail(db, buyer: buyer, number: number)
    }

    func requests(user: String, limit: Int) throws -> [BuyerView.RequestRow] { try BuyerView.requests(db, user: user, limit: limit) }

    func letters(invoices: [String]) throws -> [String: [SentLetter]] { try SQLiteSentLetters.letters(invoices: invoices, db) }

    func letters(accounts: [String], limit: Int) throws -> [SentLetter] {
        try SQLiteSentLetters.letters(accounts: accounts, limit: limit, db)
    }

    func credential(login: String) throws -> ChannelCredential? { try ChannelCredential.find(db, login: login) }

    func checkReadable() throws { try BuyerView.checkReadable(db) }
}
