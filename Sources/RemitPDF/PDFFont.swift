/// The fonts a Remit PDF uses: two of PDF's standard 14, which every reader has, so nothing is
/// embedded. Text is encoded in WinAnsi (`WinAnsi`), which prints Dutch, German, French and the
/// other Western European languages' letters, the euro sign and typographic quotes.
public enum PDFFont: Sendable, Hashable, CaseIterable {
    case helvetica
    case helveticaBold

    /// The PostScript name a PDF reader knows the font by.
    public var baseFont: String {
        switch self {
        case .helvetica: return "Helvetica"
        case .helveticaBold: return "Helvetica-Bold"
        }
    }

    /// The resource name pages refer to it by.
    var resourceName: String {
        switch self {
        case .helvetica: return "F1"
        case .helveticaBold: return "F2"
        }
    }

    /// How wide `text` is at `size` points, as it prints (after `WinAnsi.encode`).
    public func width(of text: String, size: Double) -> Double {
        let widths = self == .helvetica ? StandardFontMetrics.helvetica : StandardFontMetrics.helveticaBold
        let thousandths = WinAnsi.encode(text).reduce(0) { $0 + widths[Int($1)] }
        return Double(thousandths) * size / 1000
    }

    /// `text` broken into lines no wider than `width` at `size`: at spaces where it can, inside a word
    /// only where the word alone is wider. Every character is kept, in order.
    public func lines(of text: String, width: Double, size: Double) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if self.width(of: candidate, size: size) <= width {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            // A word wider than the line on its own: as many characters a line as fit.
            for character in word {
                if !current.isEmpty, self.width(of: current + String(character), size: size) > width {
                    lines.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        lines.append(current)
        return lines
    }

    /// `text` cut to fit `width` at `size`, ending in "…" when cut (whole characters only).
    public func fitting(_ text: String, width: Double, size: Double) -> String {
        guard self.width(of: text, size: size) > width else { return text }
        var kept = ""
        for character in text {
            guard self.width(of: kept + String(character) + "…", size: size) <= width else { break }
            kept.append(character)
        }
        return kept + "…"
    }
}
