import Foundation
import RemitCore
import RemitPDF

/// An invoice as an A4 PDF, the document an accounts-payable team files: the buyer, the invoice's
/// number and dates, its lines (over as many pages as they take, the column titles on each), the
/// totals — paid, discount taken, pending, open —, the payment terms, the cash discount only while a
/// payment made `today` still earns it (the rule the portal and the e-mail apply), and the payment
/// reference. The e-mail copy attaches it; the same bytes for the same invoice, day and time.
public enum InvoicePDF {
    /// The seller printed at the top; nil leaves the block out.
    public typealias Seller = RemitCore.Seller

    /// The file name an invoice's PDF goes by (attachment, download): `invoice-<number>.pdf`, the
    /// number kept to letters, digits, `.`, `-` and `_` (others become `_`), so it cannot break a header.
    public static func filename(for number: String) -> String {
        let safe = number.prefix(100).unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        }
        return "invoice-\(String(safe)).pdf"
    }

    /// The PDF's bytes. `created` is its creation time (the e-mail's date), `today` the day the
    /// discount offer is judged on.
    public static func render(_ invoice: InvoiceDocument, seller: Seller? = nil, today: CalendarDate, created: Date) -> [UInt8] {
        var flow = PDFFlow(title: "Invoice \(invoice.number)", created: created)
        let width = flow.width
        let (left, right) = (flow.margins.left, flow.margins.left + flow.width)
        if let seller {
            flow.row(height: 14) { page, y in
                page.text(
                    PDFFont.helveticaBold.fitting(seller.name, width: width, size: 10), x: right, y: y, font: .helveticaBold, size: 10,
                    align: .right)
            }
            for line in seller.address {
                flow.row(height: 12) { page, y in
                    page.text(PDFFont.helvetica.fitting(line, width: width, size: 9), x: right, y: y, size: 9, align: .right)
                }
            }
        }
        flow.row(height: 30) { page, y in
            page.text(
                PDFFont.helveticaBold.fitting("Invoice \(invoice.number)", width: width, size: 18), x: left, y: y, font: .helveticaBold,
                size: 18)
        }
        facts(of: invoice, into: &flow)
        flow.space(12)
        let header: PDFFlow.Band = { page, top in
            let y = page.height - top - 12
            page.fill(x: left, y: y - 5, width: width, height: 17, gray: 0.9)
            page.text("Description", x: left + 4, y: y, font: .helveticaBold, size: 9)
            page.text("Amount", x: right - 4, y: y, font: .helveticaBold, size: 9, align: .right)
            return 20
        }
        // Before the first line, and at the top of every page the lines go on to.
        flow.band(height: 20 + 14, header)
        flow.runningHeader = header
        // A long description wraps (the amount on its first row): every word prints.
        for line in invoice.lines {
            let rows = PDFFont.helvetica.lines(of: line.description, width: width - 120, size: 9)
            for (index, row) in rows.enumerated() {
                flow.row(height: index == rows.count - 1 ? 14 : 11) { page, y in
                    page.text(row, x: left + 4, y: y, size: 9)
                    if index == 0 { page.text(line.amount.description, x: right - 4, y: y, size: 9, align: .right) }
                }
            }
        }
        totals(of: invoice, today: today, into: &flow)
        return flow.finish().bytes()
    }

    /// The totals, the terms and the discount offer: kept on one page (a break comes before them).
    /// The customer (with their address under the name), the dates and the payment reference.
    private static func facts(of invoice: InvoiceDocument, into flow: inout PDFFlow) {
        let (left, width) = (flow.margins.left, flow.width)
        let facts = [
            ("Customer", "\(invoice.customerName) (\(invoice.customerAccount))"), ("Invoice date", invoice.invoiceDate.description),
            ("Due date", invoice.dueDate.description), ("Payment reference", invoice.number),
        ]
        for (index, (label, value)) in facts.enumerated() {
            flow.row(height: 14) { page, y in
                page.text(label, x: left, y: y, font: .helveticaBold, size: 9)
                page.text(PDFFont.helvetica.fitting(value, width: width - 110, size: 9), x: left + 110, y: y, size: 9)
            }
            for line in index == 0 ? invoice.customerAddress ?? [] : [] {
                flow.row(height: 12) { page, y in
                    page.text(PDFFont.helvetica.fitting(line, width: width - 110, size: 9), x: left + 110, y: y, size: 9)
                }
            }
        }
    }

    private static func totals(of invoice: InvoiceDocument, today: CalendarDate, into flow: inout PDFFlow) {
        let (left, right) = (flow.margins.left, flow.margins.left + flow.width)
        var rows: [(String, String, Bool)] = [("Total", invoice.total.description, true), ("Paid", invoice.paid.description, false)]
        if !invoice.discountTaken.isZero { rows.append(("Cash discount taken", invoice.discountTaken.description, false)) }
        if !invoice.pending.isZero { rows.append(("Payments pending", invoice.pending.description, false)) }
        rows.append(("Open", invoice.open.description, true))
        let balance = InvoiceBalance(
            number: invoice.number,
            amounts: InvoiceAmounts(due: invoice.total, settled: invoice.paid, discountTaken: invoice.discountTaken),
            pending: invoice.pending, offer: invoice.discountOffer)
        let offer = balance.discountProposal(today: today)
        let terms =
            invoice.open.isZero
            ? "Paid in full. Thank you."
            : "Please pay \(invoice.open.description) by \(invoice.dueDate.description), quoting \(invoice.number)."
        let needed = 8 + Double(rows.count) * 14 + 10 + 14 + (offer == nil ? 0 : 14)
        if !flow.fits(needed) { flow.newPage() }
        flow.row(height: 8) { page, y in page.line(from: left, y + 4, to: right, y + 4) }
        for (label, amount, bold) in rows {
            flow.row(height: 14) { page, y in
                page.text(label, x: right - 150, y: y, font: bold ? .helveticaBold : .helvetica, size: 9, align: .right)
                page.text(amount, x: right - 4, y: y, font: bold ? .helveticaBold : .helvetica, size: 9, align: .right)
            }
        }
        flow.space(10)
        flow.row(height: 14) { page, y in page.text(PDFFont.helvetica.fitting(terms, width: right - left, size: 9), x: left, y: y, size: 9)
        }
        if let offer {
            let text =
                "Cash discount: pay \(offer.payment.description) by \(offer.lastDay.description) and \(offer.discount.description) is taken off."
            flow.row(height: 14) { page, y in
                page.text(PDFFont.helvetica.fitting(text, width: right - left, size: 9), x: left, y: y, size: 9)
            }
        }
    }
}
