import Foundation
import RemitTestSupport
import Testing

@testable import RemitPDF

/// The PDF writer alone: its encoding and metrics, and whole documents as real readers see them —
/// qpdf's structural check and poppler's pdftotext and pdfinfo (Debian's qpdf and poppler-utils;
/// scripts/test installs them).
@Suite("PDF writer")
struct PDFWriterTests {
    @Test func textIsWinAnsiWithDutchAndWesternLettersTheEuroAndQuotes() {
        #expect(WinAnsi.encode("Één Müller") == [0xC9, 0xE9, 0x6E, 0x20, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72])
        #expect(WinAnsi.encode("€ “x” – ‘ë’") == [0x80, 0x20, 0x93, 0x78, 0x94, 0x20, 0x96, 0x20, 0x91, 0xEB, 0x92])
        #expect(WinAnsi.encode("e\u{0301}") == [0xE9], "a decomposed é prints as é")
        #expect(WinAnsi.encode("✓\u{0007}") == [0x3F, 0x3F], "what the encoding lacks prints as ?")
        #expect(WinAnsi.isEncodable("Ĳsselmeer") == false && WinAnsi.isEncodable("IJsselmeer, Curaçao, Ærø"))
    }

    @Test func widthsAreHelveticasAndLongTextIsCutToFit() {
        // H 722, e 556, l 222, l 222, o 556 thousandths.
        #expect(abs(PDFFont.helvetica.width(of: "Hello", size: 10) - 22.78) < 0.001)
        #expect(PDFFont.helveticaBold.width(of: "Hello", size: 10) > PDFFont.helvetica.width(of: "Hello", size: 10))
        let long = String(repeating: "Warehouse North ", count: 20)
        let cut = PDFFont.helvetica.fitting(long, width: 200, size: 9)
        #expect(cut.hasSuffix("…") && PDFFont.helvetica.width(of: cut, size: 9) <= 200)
        #expect(PDFFont.helvetica.fitting("short", width: 200, size: 9) == "short")
    }

    @Test func longTextWrapsAtSpacesAndBreaksOnlyAWordTooWideAlone() {
        let text = "Pallets of oak for the warehouse in Zoë's street, " + String(repeating: "x", count: 200) + " and the rest"
        let lines = PDFFont.helvetica.lines(of: text, width: 150, size: 9)
        #expect(lines.count > 3)
        #expect(lines.allSatisfy { PDFFont.helvetica.width(of: $0, size: 9) <= 150 })
        #expect(lines.joined().filter { $0 != " " } == text.filter { $0 != " " }, "every character, in order")
        #expect(lines.first == "Pallets of oak for the warehouse in", "\(lines)")
        #expect(PDFFont.helvetica.lines(of: "short", width: 150, size: 9) == ["short"])
        #expect(PDFFont.helvetica.lines(of: "", width: 150, size: 9) == [""])
    }

    @Test func numbersAndStringsAreWrittenAsPDFWantsThem() {
        #expect([3, 1.5, -0.25, 0.05, 595.28, 12.345].map(PDFPage.number) == ["3", "1.5", "-0.25", "0.05", "595.28", "12.35"])
        #expect(PDFPage.number(.nan) == "0")
        #expect(String(decoding: PDFPage.literal(Array(#"a(b)c\"#.utf8)), as: UTF8.self) == #"(a\(b\)c\\)"#)
        #expect(String(decoding: PDFPage.literal([0xE9, 0x0A]), as: UTF8.self) == #"(\351\012)"#)
    }

    @Test func aLongTableBreaksOverPagesWithItsHeaderRepeatedAndReadsBackExactly() throws {
        let names = ["Jan de Vries", "Ærø Møller", "Zoë van 't Hoff", "Café (Noord) \\ Zuid", "Ëlla Ünal", "François Dubois"]
        let lines = (1...100).map { index in
            (description: "Line \(index): \(names[index % names.count]) — ‘spare part’ №\(index)", amount: "€ \(index),\(index % 100)")
        }
        var flow = PDFFlow(title: "Factuur INV-2026-0042 – Ĳssel & Zoon", created: Date(timeIntervalSince1970: 1_796_000_000))
        func columns(_ page: inout PDFPage, _ top: Double, _ flow: PDFFlow) -> Double {
            let baseline = page.height - top - 12
            page.text("Description", x: flow.margins.left, y: baseline, font: .helveticaBold, size: 9)
            page.text("Amount", x: page.width - flow.margins.right, y: baseline, font: .helveticaBold, size: 9, align: .right)
            page.line(from: flow.margins.left, baseline - 4, to: page.width - flow.margins.right, baseline - 4)
            return 20
        }
        flow.row(height: 24) { page, baseline in page.text("Invoice INV-2026-0042", x: 50, y: baseline, font: .helveticaBold, size: 16) }
        let margins = flow
        flow.band(height: 20) { page, top in columns(&page, top, margins) }
        flow.runningHeader = { page, top in columns(&page, top, margins) }
        for line in lines {
            flow.row(height: 14) { page, baseline in
                page.text(line.description, x: 50, y: baseline, size: 9)
                page.text(line.amount, x: page.width - 50, y: baseline, size: 9, align: .right)
            }
        }
        let document = flow.finish()
        #expect(document.pages.count >= 3)
        let bytes = document.bytes()
        let (sound, report) = try PDFReader.check(bytes)
        #expect(sound, "\(report)")
        #expect(try PDFReader.info(bytes, "Pages") == "\(document.pages.count)")
        #expect(try PDFReader.info(bytes, "Title") == "Factuur INV-2026-0042 – Ĳssel & Zoon", "a title in any script")
        let text = try PDFReader.text(bytes)
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: true).filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        #expect(pages.count == document.pages.count)
        for (index, page) in pages.enumerated() {
            #expect(page.contains("Description") && page.contains("Amount"), "page \(index + 1) has the column titles")
            #expect(page.contains("Page \(index + 1) of \(pages.count)"))
        }
        for line in lines {
            // Each line once, its description and amount on one row, every letter as written
            // (№ is not in WinAnsi: it prints as ?).
            let printed = line.description.replacingOccurrences(of: "№", with: "?")
            let rows = text.split(separator: "\n").filter { $0.contains(printed) }
            #expect(rows.count == 1 && rows.first?.hasSuffix(line.amount) == true, "\(printed): \(rows)")
        }
    }
}
