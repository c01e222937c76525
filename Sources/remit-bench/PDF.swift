import ArgumentParser
import Foundation
import RemitCore
import RemitDocuments

/// Invoice PDFs per second (`InvoicePDF.render`, the copy e-mail's attachment), one process, no
/// disk: for each size, `--count` renders of an invoice of that many lines; prints one JSON line per
/// size with `msg_per_s` as PDFs a second, CPU per 1,000, peak RSS and the PDF's bytes.
struct PDF: ParsableCommand {
    @Option var count = 2_000
    @Option(parsing: .upToNextOption, help: "Lines per invoice, one run each.")
    var lines: [Int] = [5, 100]

    func run() throws {
        guard let invoiceDate = CalendarDate("2026-11-29"), let dueDate = CalendarDate("2026-12-29"),
            let today = CalendarDate("2026-12-01"), let lastDay = CalendarDate("2026-12-09")
        else { throw ValidationError("dates") }
        for size in lines {
            let invoiceLines = (1...max(1, size)).map {
                InvoiceDocument.Line(
                    description: "\($0). Pallets (oak) for Zoë's warehouse, Ærø",
                    amount: Money(minorUnits: Int64($0 * 1_001), currency: .EUR))
            }
            let total = Money(minorUnits: invoiceLines.reduce(0) { $0 + $1.amount.minorUnits }, currency: .EUR)
            let invoice = InvoiceDocument(
                number: "INV-2026-0042", customerAccount: "C-1001", customerName: "Müller & Söhne B.V.", invoiceDate: invoiceDate,
                dueDate: dueDate, lines: invoiceLines, total: total, paid: .zero(.EUR), discountTaken: .zero(.EUR), pending: .zero(.EUR),
                open: total, discountOffer: DiscountOffer(amount: Money(minorUnits: 200, currency: .EUR), lastDay: lastDay))
            var bytes = 0
            let measurement = Measurement.start()
            for _ in 0..<count {
                bytes = InvoicePDF.render(invoice, today: today, created: Date(timeIntervalSince1970: 1_796_000_000)).count
            }
            measurement.report(mode: "pdf:\(size)-lines:\(bytes)-bytes", messages: count)
        }
    }
}
