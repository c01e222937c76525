import Foundation
import Mustache
import RemitCore
import RemitDocuments

/// Turns a collection letter into a mail from the `collection-letter` templates (subject, plain
/// text, HTML): the letter's title, the account, and each invoice with its due date (how many days
/// overdue), what is open and pending and — on a cash-discount notice, while it is still earned —
/// what to pay by when; every invoice attached as its PDF (`InvoicePDF`).
public struct CollectionLetterRenderer: Sendable {
    private let subject: MustacheTemplate
    private let text: MustacheTemplate
    private let html: MustacheTemplate

    public init() throws(MailError) {
        subject = try MailTemplates.load("collection-letter.subject")
        text = try MailTemplates.load("collection-letter.text")
        html = try MailTemplates.load("collection-letter.html")
    }

    /// What a letter says and lists; `invoices` are those still open at send.
    public struct Letter: Sendable {
        public var title: String
        public var level: Int
        public var customerAccount: String
        public var customerName: String
        public var issuedOn: CalendarDate
        public var part: Int
        public var parts: Int
        public var invoices: [InvoiceDocument]

        public init(
            title: String, level: Int, customerAccount: String, customerName: String, issuedOn: CalendarDate, part: Int, parts: Int,
            invoices: [InvoiceDocument]
        ) {
            self.title = title
            self.level = level
            self.customerAccount = customerAccount
            self.customerName = customerName
            self.issuedOn = issuedOn
            self.part = part
            self.parts = parts
            self.invoices = invoices
        }
    }

    public func render(
        _ letter: Letter, from: MailAddress, to: MailAddress, messageId: String, date: Date, seller: Seller? = nil
    ) throws -> MailMessage {
        let today = CalendarDate(date)
        let view = LetterView(letter, recipientName: to.name ?? to.address, today: today)
        return MailMessage(
            from: from, to: to, subject: subject.render(view).trimmingCharacters(in: .whitespacesAndNewlines),
            textBody: text.render(view), htmlBody: html.render(view), messageId: messageId, date: date,
            attachments: letter.invoices.map { invoice in
                MailMessage.Attachment(
                    filename: InvoicePDF.filename(for: invoice.number), contentType: "application/pdf",
                    bytes: InvoicePDF.render(invoice, seller: seller, today: today, created: date))
            })
    }
}

/// The letter as the templates see it, values written out; fields named for the engine
/// (`MustacheParent`), as `InvoiceCopyView` does.
private struct LetterView: MustacheParent {
    struct Invoice: MustacheParent {
        let number: String
        let invoiceDate: String
        let dueDate: String
        let dueNote: String
        let open: String
        let pending: String?
        let discountOffer: DiscountOfferView?

        func child(named name: String) -> Any? {
            switch name {
            case "number": number
            case "invoiceDate": invoiceDate
            case "dueDate": dueDate
            case "dueNote": dueNote
            case "open": open
            case "pending": pending.map { $0 as Any }
            case "discountOffer": discountOffer.map { $0 as Any }
            default: nil
            }
        }
    }

    let title: String
    let intro: String
    let recipientName: String
    let customerAccount: String
    let customerName: String
    let issuedOn: String
    let partOf: String?
    let invoiceCount: String
    let invoices: [Invoice]

    func child(named name: String) -> Any? {
        switch name {
        case "title": title
        case "intro": intro
        case "recipientName": recipientName
        case "customerAccount": customerAccount
        case "customerName": customerName
        case "issuedOn": issuedOn
        case "partOf": partOf.map { $0 as Any }
        case "invoiceCount": invoiceCount
        case "invoices": invoices
        default: nil
        }
    }

    init(_ letter: CollectionLetterRenderer.Letter, recipientName: String, today: CalendarDate) {
        title = letter.title
        self.recipientName = recipientName
        customerAccount = letter.customerAccount
        customerName = letter.customerName
        issuedOn = letter.issuedOn.description
        partOf = letter.parts > 1 ? "\(letter.part) of \(letter.parts)" : nil
        invoiceCount = letter.invoices.count == 1 ? "invoice \(letter.invoices[0].number)" : "\(letter.invoices.count) invoices"
        let overdue = letter.invoices.contains { $0.dueDate < today }
        intro =
            overdue
            ? "\(letter.title): according to our records, the invoices below are past their due date and still open. Please pay what is open."
            : "\(letter.title): the invoices below fall due soon. Please pay them by their due date."
        invoices = letter.invoices.map { invoice in
            let days = today.days(until: invoice.dueDate)
            let note =
                days < 0
                ? "\(-days) day\(days == -1 ? "" : "s") overdue" : days == 0 ? "due today" : "due in \(days) day\(days == 1 ? "" : "s")"
            let balance = InvoiceBalance(
                number: invoice.number,
                amounts: InvoiceAmounts(due: invoice.total, settled: invoice.paid, discountTaken: invoice.discountTaken),
                pending: invoice.pending, offer: invoice.discountOffer)
            return Invoice(
                number: invoice.number, invoiceDate: invoice.invoiceDate.description, dueDate: invoice.dueDate.description,
                dueNote: note, open: invoice.open.description, pending: invoice.pending.isZero ? nil : invoice.pending.description,
                discountOffer: DiscountOfferView(balance, today: today))
        }
    }
}
