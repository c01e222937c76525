import Foundation
import RemitTestSupport
import RemitCore
import RemitMail
import Testing

func euros(_ text: String) throws -> Money { try Money(decimal: text, currency: .EUR) }

func sampleInvoice(description: String = "Consulting, November", offer: Bool = true) throws -> InvoiceDocument {
    InvoiceDocument(
        number: "INV-2026-0042", customerAccount: "C-1001", customerName: "Müller & Söhne GmbH",
        invoiceDate: try #require(CalendarDate("2026-11-29")), dueDate: try #require(CalendarDate("2026-12-29")),
        lines: [
            InvoiceDocument.Line(description: description, amount: try euros("1000.00")),
            InvoiceDocument.Line(description: "Travel", amount: try euros("234.50")),
        ],
        total: try euros("1234.50"), paid: try euros("200.00"), discountTaken: try euros("0"), pending: try euros("34.50"),
        open: try euros("1000.00"),
        discountOffer: offer
            ? DiscountOffer(amount: try euros("20.00"), lastDay: try #require(CalendarDate("2026-12-09"))) : nil)
}

@Suite struct InvoiceEmailRendererTests {
    func render(_ invoice: InvoiceDocument, date: Date = fixedDate) throws -> MailMessage {
        try InvoiceEmailRenderer().render(
            invoice, from: MailAddress("billing@remit.example", name: "Remit Billing"),
            to: MailAddress("anna@customer.example", name: "Anna Müller"),
            messageId: "<invoice-copy-1@remit>", date: date)
    }

    @Test func bothPartsShowTheInvoiceItsLinesAndWhereItsPaymentStands() throws {
        let message = try render(sampleInvoice())
        #expect(message.subject == "Copy of invoice INV-2026-0042, due 2026-12-29")
        #expect(message.messageId == "<invoice-copy-1@remit>" && message.to.address == "anna@customer.example")
        for body in [message.textBody, message.htmlBody] {
            for expected in [
                "INV-2026-0042", "C-1001", "2026-11-29", "2026-12-29", "Consulting, November", "1000.00 EUR", "Travel", "234.50 EUR",
                "1234.50 EUR", "200.00 EUR", "34.50 EUR", "980.00 EUR", "2026-12-09",
            ] {
                #expect(body.contains(expected), "\(expected) missing from \(body)")
            }
        }
        #expect(message.textBody.contains("Total:            1234.50 EUR\nPaid:             200.00 EUR\n"))
        #expect(message.textBody.contains("Payments pending: 34.50 EUR\nOpen:             1000.00 EUR\n"))
        #expect(message.textBody.contains("Pay 980.00 EUR by 2026-12-09 to settle the invoice with a cash discount of 20.00 EUR."))
        #expect(message.textBody.hasPrefix("Hello Anna Müller,\n"), "the template's comment and pragma leave no blank line")
        #expect(message.htmlBody.contains("Pay <strong>980.00 EUR</strong> by <strong>2026-12-09</strong>"))
        #expect(!message.textBody.contains("Discount taken"), "shown only when a discount was taken")
    }

    @Test func theDiscountOfferAndTakenDiscountShowOnlyWhenThere() throws {
        var invoice = try sampleInvoice(offer: false)
        invoice.discountTaken = try euros("20.00")
        let message = try render(invoice)
        for body in [message.textBody, message.htmlBody] {
            #expect(!body.contains("cash discount of"))
            #expect(!body.contains("980.00 EUR"))
            #expect(body.contains("Discount taken") && body.contains("20.00 EUR"))
        }
    }

    @Test func theOfferSaysWhatToPayAsSettlementWouldGrantIt() throws {
        var invoice = try sampleInvoice()
        invoice.paid = try euros("1185.00")
        invoice.pending = try euros("0")
        invoice.open = try euros("49.50")
        #expect(
            try render(invoice).textBody.contains("Pay 29.50 EUR by 2026-12-09 to settle the invoice with a cash discount of 20.00 EUR."))
        invoice.paid = try euros("1219.50")
        #expect(!(try render(invoice).textBody.contains("cash discount of")), "nothing would be left to pay: no offer")
        invoice.paid = try euros("200.00")
        invoice.discountOffer?.amount = try Money(decimal: "20.00", currency: .USD)
        #expect(!(try render(invoice).textBody.contains("cash discount of")), "an offer in another currency is none")
    }

    /// Issue #22: "Pay 1267.26 EUR by 2026-10-30 …" in an e-mail of 2026-12-03. The offer follows the
    /// portal's rule (`InvoiceBalance.discountProposal`) on the day the mail is rendered (the injected now).
    @Test func aDiscountWhoseLastDayHasPassedIsNotOffered() throws {
        let lastDay = try #require(Timestamp.parse("2026-12-09T23:59:59Z"))
        for body in [try render(sampleInvoice(), date: lastDay).textBody, try render(sampleInvoice(), date: lastDay).htmlBody] {
            #expect(body.contains("980.00 EUR") && body.contains("2026-12-09"), "the last day still earns it")
        }
        let dayAfter = lastDay.addingTimeInterval(1)
        for body in [try render(sampleInvoice(), date: dayAfter).textBody, try render(sampleInvoice(), date: dayAfter).htmlBody] {
            #expect(!body.contains("cash discount of") && !body.contains("980.00") && !body.contains("2026-12-09"), "\(body)")
        }
    }

    @Test func htmlEscapesWhatTheTextPartKeepsVerbatim() throws {
        let hostile = "<script>alert(1)</script> & \"x\""
        let message = try render(sampleInvoice(description: hostile))
        #expect(message.textBody.contains("- \(hostile): 1000.00 EUR"))
        #expect(message.htmlBody.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</td>"))
        #expect(!message.htmlBody.contains("<script>"))
        // The customer's name has an `&` too: escaped in HTML, as it is in text.
        #expect(message.htmlBody.contains("Müller &amp; Söhne GmbH") && message.textBody.contains("Müller & Söhne GmbH"))
    }

    @Test func theRenderedMailParsesAsMIME() throws {
        let parsed = try ParsedMail.parse(render(sampleInvoice()).rfc5322())
        #expect(parsed.defects.isEmpty)
        #expect(parsed.contentType == "multipart/mixed")
        #expect(parsed.parts.map(\.type) == ["text/plain", "text/html", "application/pdf"])
        #expect(parsed.parts.first?.content.contains("Hello Anna Müller,") == true)
        // The invoice as a PDF, attached: a sound file that reads back as the invoice.
        let pdf = try #require(parsed.parts.last)
        #expect(pdf.filename == "invoice-INV-2026-0042.pdf")
        let bytes = [UInt8](try #require(pdf.bytes))
        #expect(try PDFReader.check(bytes).sound)
        let text = try PDFReader.text(bytes)
        #expect(text.contains("Invoice INV-2026-0042") && text.contains("Müller & Söhne GmbH (C-1001)"), "\(text)")
        #expect(!text.contains("Keizersgracht"), "no seller configured: no seller block")
        // With the shop's seller settings, the attachment prints them.
        let seller = Seller(name: "Remit Shop B.V.", address: ["Keizersgracht 1", "1015 CJ Amsterdam"])
        let withSeller = try InvoiceEmailRenderer().render(
            sampleInvoice(), from: MailAddress("billing@remit.example"), to: MailAddress("anna@customer.example"),
            messageId: "<invoice-copy-2@remit>", date: fixedDate, seller: seller)
        let sellerText = try PDFReader.text(try #require(withSeller.attachments.first).bytes)
        #expect(
            sellerText.contains("Remit Shop B.V.") && sellerText.contains("Keizersgracht 1") && sellerText.contains("1015 CJ Amsterdam"))
    }

    @Test func attachmentsAreBase64InShortLinesWithANameThatCannotBreakItsHeader() throws {
        var message = try render(sampleInvoice())
        message.attachments = [
            .init(filename: "a\"b\r\nX-Injected: 1/ü.pdf", contentType: "application/pdf", bytes: Array(repeating: 0xFF, count: 1_000))
        ]
        #expect(message.attachments[0].filename == "a_b__X-Injected__1_ü.pdf".replacingOccurrences(of: "ü", with: "_"))
        let raw = String(decoding: message.rfc5322(), as: UTF8.self)
        #expect(!raw.contains("\r\nX-Injected"))
        let body = raw.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n")[1]
        #expect(body.components(separatedBy: "\r\n").prefix(3).allSatisfy { $0.count <= 76 })
        let parsed = try ParsedMail.parse(message.rfc5322())
        #expect(parsed.defects.isEmpty && parsed.parts.last?.bytes == Data(repeating: 0xFF, count: 1_000))
    }
}
