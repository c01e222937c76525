import Foundation

/// Lays rows out from the top of the page down, and breaks pages: a row that does not fit above the
/// bottom margin starts a new page, whose top gets the running header again (a document's heading,
/// a table's column titles) before the row. `finish()` numbers the pages ("Page 2 of 3").
public struct PDFFlow {
    /// Draws a band at `top` (points from the page's top edge) and returns its height.
    public typealias Band = (inout PDFPage, _ top: Double) -> Double

    public struct Margins: Sendable {
        public var top, bottom, left, right: Double
        public init(top: Double = 56, bottom: Double = 56, left: Double = 50, right: Double = 50) {
            (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
        }
    }

    public let margins: Margins
    private var document: PDFDocument
    private var page = PDFPage()
    /// Points from the page's top edge to where the next row starts.
    public private(set) var top: Double
    /// Drawn at the top of every page after the first (the first draws its own heading first).
    public var runningHeader: Band?
    /// The label of the page numbers `finish()` writes: "Page %d of %d".
    public var pageLabel: (Int, Int) -> String = { "Page \($0) of \($1)" }

    public init(title: String, created: Date, margins: Margins = Margins()) {
        document = PDFDocument(title: title, created: created)
        self.margins = margins
        top = margins.top
    }

    /// The width rows have between the margins.
    public var width: Double { page.width - margins.left - margins.right }
    /// How far down the page the bottom margin begins.
    private var limit: Double { page.height - margins.bottom }

    /// A row of `height` points, drawn by `draw` at its baseline (points from the bottom, PDF's
    /// coordinates), on a new page when it does not fit on this one.
    public mutating func row(height: Double, draw: (inout PDFPage, _ baseline: Double) -> Void) {
        if top + height > limit { newPage() }
        draw(&page, page.height - top - height * 0.75)
        top += height
    }

    /// A band drawn at the current top (a table's column titles where the table starts), on a new
    /// page when `height` does not fit; it moves down by what the band says it used.
    public mutating func band(height: Double, _ draw: Band) {
        if top + height > limit { newPage() }
        top += draw(&page, top)
    }

    /// Space of `height` points; at a page's end it does not carry over to the next.
    public mutating func space(_ height: Double) { top = min(top + height, limit) }

    /// Whether `height` more points fit on this page (keep a block together: break before it).
    public func fits(_ height: Double) -> Bool { top + height <= limit }

    /// Ends this page and starts the next with the running header.
    public mutating func newPage() {
        document.pages.append(page)
        page = PDFPage(width: page.width, height: page.height)
        top = margins.top
        if let header = runningHeader { top += header(&page, top) }
    }

    /// The document, every page numbered at its foot.
    public mutating func finish() -> PDFDocument {
        document.pages.append(page)
        page = PDFPage(width: page.width, height: page.height)
        let count = document.pages.count
        for index in document.pages.indices {
            let footer = document.pages[index]
            document.pages[index].text(
                pageLabel(index + 1, count), x: footer.width - margins.right, y: margins.bottom / 2, size: 8, align: .right)
        }
        return document
    }
}
