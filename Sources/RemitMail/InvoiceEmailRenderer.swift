import Foundation
import Mustache
import RemitCore
import RemitDocuments

/// Turns an invoice copy into a mail from the templates under `Templates/` (subject, plain text,
/// HTML). Values reach the HTML only through the template engine's escaping.
public struct InvoiceEmailRenderer: Sendable {
    private let subject: MustacheTemplate
    private let text: MustacheTemplate
    private let html: MustacheTemplate

    /// Loads and compiles the templates once.
    public init() throws(MailError) {
        subject = try MailTemplates.load("invoice-copy.subject")
        text = try MailTemplates.load("invoice-copy.text")
        html = try MailTemplates.load("invoice-copy.html")
    }

    /// Renders the copy as of `date` (the handler's injected `now`): a cash discount is offered only
    /// while a payment made that day still earns it (`InvoiceBalance.discountProposal`, the portal's
    /// rule); the invoice itself is attached as a PDF (`InvoicePDF`), made as of the same day.
    public func render(
        _ invoice: InvoiceDocument, from: MailAddress, to: MailAddress, messageId: String, date: Date, seller: Seller? = nil
    ) throws -> MailMessage {
        let view = InvoiceCopyView(invoice, recipientName: to.name ?? to.address, today: CalendarDate(date))
        return MailMessage(
            from: from, to: to,
            subject: subject.render(view).trimmingCharacters(in: .whitespacesAndNewlines),
            textBody: text.render(view), htmlBody: html.render(view),
            messageId: messageId, date: date,
            attachments: [
                MailMessage.Attachment(
                    filename: InvoicePDF.filename(for: invoice.number), contentType: "application/pdf",
                    bytes: InvoicePDF.render(invoice, seller: seller, today: CalendarDate(date), created: date))
            ])
    }
}

/// The invoice as the templates see it: amounts and dates already written out ("1234.50 EUR",
/// "2026-11-29"), a discount taken only when there was one, and for an offer what to pay to earn it.
/// Each view names its fields for the template engine itself (`MustacheParent`): without that, the
/// engine finds them by reflection (`Mirror`) on every tag, which cost most of an e-mail's CPU.
private struct InvoiceCopyView: MustacheParent {
    struct Line: MustacheParent {
        let description: String
        let amount: String

        func child(named name: String) -> Any? {
            switch name {
            case "description": description
            case "amount": amount
            default: nil
            }
        }
    }

    let number: String
    let customerAccount: String
    let customerName: String
    let recipientName: String
    let invoiceDate: String
    let dueDate: String
    let lines: [Line]
    let total: String
    let paid: String
    let discountTaken: String?
    let pending: String
    let open: String
    let discountOffer: DiscountOfferView?

    func child(named name: String) -> Any? {
        switch name {
        case "number": number
        case "customerAccount": customerAccount
        case "customerName": customerName
        case "recipientName": recipientName
        case "invoiceDate": invoiceDate
        case "dueDate": dueDate
        case "lines": lines
        case "total": total
        case "paid": paid
        case "discountTaken": discountTaken.map { $0 as Any }
        case "pending": pending
        case "open": open
        case "discountOffer": discountOffer.map { $0 as Any }
        default: nil
        }
    }

    init(_ invoice: InvoiceDocument, recipientName: String, today: CalendarDate) {
        number = invoice.number
        customerAccount = invoice.customerAccount
        customerName = invoice.customerName
        self.recipientName = recipientName
        invoiceDate = invoice.invoiceDate.description
        dueDate = invoice.dueDate.description
        lines = invoice.lines.map { Line(description: $0.description, amount: $0.amount.description) }
        total = invoice.total.description
        paid = invoice.paid.description
        discountTaken = invoice.discountTaken.isZero ? nil : invoice.discountTaken.description
        pending = invoice.pending.description
        open = invoice.open.description
        let balance = InvoiceBalance(
            number: invoice.number,
            amounts: InvoiceAmounts(due: invoice.total, settled: invoice.paid, discountTaken: invoice.discountTaken),
            pending: invoice.pending, offer: invoice.discountOffer)
        discountOffer = DiscountOfferView(balance, today: today)
    }
}
