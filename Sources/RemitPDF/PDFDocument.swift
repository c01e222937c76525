import Foundation

/// A PDF document: pages in order and a title, written as PDF 1.4 — a catalog, the page tree, the two
/// standard fonts (not embedded), one uncompressed content stream a page, the cross-reference table
/// with every object's byte offset. Readers (qpdf, poppler's pdftotext, browsers) read it as written;
/// the tests check each document with them.
public struct PDFDocument: Sendable {
    public var title: String
    public var pages: [PDFPage] = []
    /// The document's creation time in its information dictionary.
    public var created: Date

    public init(title: String, created: Date) {
        self.title = title
        self.created = created
    }

    /// The document's bytes.
    public func bytes() -> [UInt8] {
        var writer = ObjectWriter()
        let pageObjects = (0..<pages.count).map { 6 + 2 * $0 }
        writer.add(1, "<< /Type /Catalog /Pages 2 0 R >>")
        writer.add(2, "<< /Type /Pages /Kids [\(pageObjects.map { "\($0) 0 R" }.joined(separator: " "))] /Count \(pages.count) >>")
        for font in PDFFont.allCases {
            writer.add(
                font == .helvetica ? 3 : 4, "<< /Type /Font /Subtype /Type1 /BaseFont /\(font.baseFont) /Encoding /WinAnsiEncoding >>")
        }
        writer.add(5, "<< /Title \(Self.textString(title)) /Producer (Remit) /CreationDate (\(Self.date(created))) >>")
        for (page, object) in zip(pages, pageObjects) {
            let fonts = PDFFont.allCases.filter { page.fonts.contains($0) }
                .map { "/\($0.resourceName) \($0 == .helvetica ? 3 : 4) 0 R" }.joined(separator: " ")
            writer.add(
                object,
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(PDFPage.number(page.width)) \(PDFPage.number(page.height))] "
                    + "/Resources << /Font << \(fonts) >> >> /Contents \(object + 1) 0 R >>")
            writer.addStream(object + 1, page.content)
        }
        return writer.finish(root: 1, info: 5)
    }

    /// A text string for the information dictionary: UTF-16BE with its byte-order mark, in hex, so any
    /// title (any script, any parenthesis) is written exactly.
    static func textString(_ text: String) -> String {
        let units = [0xFEFF] + Array(text.utf16)
        return "<" + units.map { String(format: "%04X", $0) }.joined() + ">"
    }

    /// PDF's date form, in UTC: D:YYYYMMDDHHmmSSZ.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let fields = [parts.month, parts.day, parts.hour, parts.minute, parts.second].map { String(format: "%02d", $0 ?? 0) }
        return "D:" + String(format: "%04d", parts.year ?? 1970) + fields.joined() + "Z"
    }
}
