import Foundation
import HTTPTypes
import NIOCore
import Hummingbird
import RemitCore
import RemitDocuments
import RemitStore

/// An invoice's PDF for download (`/invoices/{number}.pdf`, page and API): the invoice the buyer
/// reaches, as its detail page shows it — lines, paid, pending and open amounts, the cash discount
/// only while a payment made today still earns it — printed by `InvoicePDF`, the copy e-mail's
/// printer. Nil for a number out of the buyer's reach, exactly as the detail page's 404.
struct InvoiceDownload: Sendable {
    let filename: String
    let bytes: [UInt8]

    static func make(
        buyer: BuyerView.Buyer, number: String, seller: Seller?, now: Date, channel: any ChannelStoreReader
    ) async throws -> InvoiceDownload? {
        let found = try await channel.readChannel { transaction -> (BuyerView.InvoiceDetail, ChannelCustomer?)? in
            guard let detail = try transaction.buyerViews.invoiceDetail(buyer: buyer, number: number) else { return nil }
            return (detail, try transaction.storefront.customer(account: detail.row.invoice.customerAccount))
        }
        guard let (detail, owner) = found else { return nil }
        let document = Self.document(detail, owner: owner)
        return InvoiceDownload(
            filename: InvoicePDF.filename(for: document.number),
            bytes: InvoicePDF.render(document, seller: seller, today: CalendarDate(now), created: now))
    }

    /// The detail as the document the PDF prints.
    static func document(_ detail: BuyerView.InvoiceDetail, owner: ChannelCustomer?) -> InvoiceDocument {
        let row = detail.row
        let invoice = row.invoice
        let amounts = row.amounts
        // The offer stands while nothing of it was taken and something is open; `InvoicePDF` then
        // prints it only up to its last day.
        let offer = invoice.discountOffer.flatMap { invoice.discountTakenMinor == 0 && !amounts.open.isZero ? $0 : nil }
        var document = InvoiceDocument(
            number: invoice.number, customerAccount: invoice.customerAccount, customerName: owner?.name ?? invoice.customerAccount,
            invoiceDate: invoice.invoiceDate, dueDate: invoice.dueDate,
            lines: detail.lines.map { InvoiceDocument.Line(description: $0.description, amount: $0.amount) },
            total: row.total, paid: row.paid, discountTaken: amounts.discountTaken, pending: row.pending, open: amounts.open,
            discountOffer: offer)
        document.customerAddress = InvoiceDocument.addressLines(owner?.address)
        return document
    }
}

extension InvoiceDownload {
    /// The download: `application/pdf`, saved under its file name, never cached by a shared cache.
    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/pdf"
        headers[.contentDisposition] = "attachment; filename=\"\(filename)\""
        headers[.cacheControl] = "private, no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
