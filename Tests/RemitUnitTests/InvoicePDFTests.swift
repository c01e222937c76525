import Foundation
import RemitCore
import RemitDocuments
import RemitTestSupport
import Testing

/// The invoice as a PDF, read back by pdftotext: every figure exactly, the lines over pages.
@Suite("Invoice PDF")
struct InvoicePDFTests {
    static let created = Date(timeIntervalSince1970: 1_796_000_000)

    static func invoice(lines count: Int, offer: Bool = true) throws -> InvoiceDocument {
        let names = ["Pallets (oak) — Zoë's warehouse", "Café Ærø \\ transport", "Onderhoud ‘Van ’t Hoff’", "Spare parts № 7"]
        let lines = (1...count).map { index in
            InvoiceDocument.Line(
                description: "\(index). \(names[index % names.count])", amount: Money(minorUnits: Int64(index * 1_001), currency: .EUR))
        }
        let total = Money(minorUnits: lines.reduce(0) { $0 + $1.amount.minorUnits }, currency: .EUR)
        return InvoiceDocument(
            number: "INV-2026-0042", customerAccount: "C-1001", customerName: "Müller & Söhne B.V.",
            invoiceDate: try #require(CalendarDate("2026-11-29")), dueDate: try #require(CalendarDate("2026-12-29")), lines: lines,
            total: total, paid: Money(minorUnits: 1_000, currency: .EUR), discountTaken: .zero(.EUR),
            pending: Money(minorUnits: 500, currency: .EUR),
            open: Money(minorUnits: total.minorUnits - 1_000, currency: .EUR),
            discountOffer: offer
                ? DiscountOffer(amount: Money(minorUnits: 200, currency: .EUR), lastDay: try #require(CalendarDate("2026-12-09"))) : nil)
    }

    @Test func theInvoiceReadsBackExactly() throws {
        var invoice = try Self.invoice(lines: 3)
        invoice.customerAddress = ["Industrieweg 12", "3542 AD Utrecht", "Netherlands"]
        let bytes = InvoicePDF.render(
            invoice, seller: .init(name: "Remit Shop B.V.", address: ["Keizersgracht 1", "1015 CJ Amsterdam"]),
            today: try #require(CalendarDate("2026-12-01")), created: Self.created)
        let (sound, report) = try PDFReader.check(bytes)
        #expect(sound, "\(report)")
        #expect(try PDFReader.info(bytes, "Title") == "Invoice INV-2026-0042")
        let text = try PDFReader.text(bytes)
        for expected in [
            "Invoice INV-2026-0042", "Remit Shop B.V.", "Keizersgracht 1", "Müller & Söhne B.V. (C-1001)", "2026-11-29", "2026-12-29",
            "Payment reference", "Total", "60.06 EUR", "Paid", "10.00 EUR", "Payments pending", "5.00 EUR", "Open", "50.06 EUR",
            "Please pay 50.06 EUR by 2026-12-29, quoting INV-2026-0042.", "Page 1 of 1", "Industrieweg 12", "3542 AD Utrecht",
            "Netherlands",
        ] {
            #expect(text.contains(expected), "\(expected) in:\n\(text)")
        }
        for line in invoice.lines {
            let printed = line.description.replacingOccurrences(of: "№", with: "?")
            #expect(text.split(separator: "\n").contains { $0.contains(printed) && $0.hasSuffix(line.amount.description) }, "\(printed)")
        }
        // The offer, while it holds: what to pay by its last day and what is taken off.
        #expect(text.contains("Cash discount: pay"), "\(text)")
        let afterLastDay = try PDFReader.text(
            InvoicePDF.render(invoice, today: try #require(CalendarDate("2026-12-10")), created: Self.created))
        #expect(!afterLastDay.contains("Cash discount"), "no offer once its last day has passed")
    }

    @Test func aLongDescriptionWrapsAndEveryWordPrints() throws {
        var invoice = try Self.invoice(lines: 2)
        let long = (1...120).map { "word\($0)" }.joined(separator: " ") + " " + String(repeating: "Z", count: 150)
        invoice.lines[1].description = long
        let text = try PDFReader.text(InvoicePDF.render(invoice, today: try #require(CalendarDate("2026-12-01")), created: Self.created))
        let printed = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try #require(printed.firstIndex { $0.hasPrefix("word1 ") }, "\(text)")
        #expect(printed[start].hasSuffix(invoice.lines[1].amount.description), "the amount on the description's first row")
        // Read back row after row, the description is whole: every word, in order.
        let rows = printed[start...].prefix { !$0.isEmpty && !$0.hasPrefix("Total") }
        let words = rows.joined(separator: " ").replacingOccurrences(of: invoice.lines[1].amount.description, with: "")
            .split(separator: " ").joined()
        #expect(words == long.split(separator: " ").joined(), "\(rows)")
    }

    @Test func aHundredLineInvoiceBreaksOverPagesWithTheColumnTitlesOnEach() throws {
        let invoice = try Self.invoice(lines: 100)
        let bytes = InvoicePDF.render(invoice, today: try #require(CalendarDate("2026-12-01")), created: Self.created)
        #expect(try PDFReader.check(bytes).sound)
        let pages = try PDFReader.text(bytes).split(separator: "\u{0C}").filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(pages.count >= 3, "\(pages.count) pages")
        for (index, page) in pages.enumerated() {
            #expect(page.contains("Description") && page.contains("Amount"), "page \(index + 1) repeats the column titles")
            #expect(page.contains("Page \(index + 1) of \(pages.count)"))
        }
        let text = pages.joined()
        for line in invoice.lines {
            let printed = line.description.replacingOccurrences(of: "№", with: "?")
            // A row starts with its line's number and description ("1." is not "11.").
            let rows = text.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix(printed + " ") }
            #expect(rows.count == 1 && rows.first?.hasSuffix(line.amount.description) == true, "\(printed): \(rows)")
        }
        #expect(text.contains("Open") && text.contains(invoice.open.description))
        // The same invoice, day and time: the same bytes (the e-mail's outbox relies on it).
        #expect(InvoicePDF.render(invoice, today: try #require(CalendarDate("2026-12-01")), created: Self.created) == bytes)
    }
}
