/// One page: its size and what is drawn on it, in points from the bottom-left corner (PDF's own
/// coordinates; `PDFFlow` counts from the top instead). Drawing appends to the page's content stream.
public struct PDFPage: Sendable {
    /// Width and height in points: A4, 210 × 297 mm.
    public static let a4 = (width: 595.28, height: 841.89)

    public let width: Double
    public let height: Double
    /// The content stream: PDF operators, WinAnsi text in literal strings.
    private(set) var content: [UInt8] = []
    /// The fonts the page uses (its resources name only those).
    private(set) var fonts: Set<PDFFont> = []

    public init(width: Double = a4.width, height: Double = a4.height) {
        self.width = width
        self.height = height
    }

    public enum Alignment: Sendable { case left, right, center }

    /// `text` on one line, its baseline at `y`; `x` is where it starts (`.left`), ends (`.right`) or
    /// its middle (`.center`).
    public mutating func text(_ text: String, x: Double, y: Double, font: PDFFont = .helvetica, size: Double, align: Alignment = .left) {
        let start: Double
        switch align {
        case .left: start = x
        case .right: start = x - font.width(of: text, size: size)
        case .center: start = x - font.width(of: text, size: size) / 2
        }
        fonts.insert(font)
        append("BT /\(font.resourceName) \(Self.number(size)) Tf \(Self.number(start)) \(Self.number(y)) Td ")
        content += Self.literal(WinAnsi.encode(text))
        append(" Tj ET\n")
    }

    /// A straight line from (x1, y1) to (x2, y2), `lineWidth` points wide, in `gray` (0 black, 1 white).
    public mutating func line(from x1: Double, _ y1: Double, to x2: Double, _ y2: Double, lineWidth: Double = 0.5, gray: Double = 0) {
        append(
            "q \(Self.number(gray)) G \(Self.number(lineWidth)) w \(Self.number(x1)) \(Self.number(y1)) m "
                + "\(Self.number(x2)) \(Self.number(y2)) l S Q\n")
    }

    /// A filled rectangle (a band behind a table's header), `gray` from 0 (black) to 1 (white).
    public mutating func fill(x: Double, y: Double, width: Double, height: Double, gray: Double) {
        append("q \(Self.number(gray)) g \(Self.number(x)) \(Self.number(y)) \(Self.number(width)) \(Self.number(height)) re f Q\n")
    }

    private mutating func append(_ text: String) { content += Array(text.utf8) }

    /// A number as PDF writes it: at most two decimals, no exponent, "." whatever the locale.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let whole = abs(hundredths) / 100
        let fraction = abs(hundredths) % 100
        if fraction == 0 { return "\(sign)\(whole)" }
        return fraction % 10 == 0 ? "\(sign)\(whole).\(fraction / 10)" : "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// A PDF literal string: parentheses and backslashes escaped, bytes outside printable ASCII as
    /// octal escapes, so the stream stays 7-bit and no byte can end the string early.
    static func literal(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "(")]
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
                out += [UInt8(ascii: "\\"), byte]
            case 0x20...0x7E:
                out.append(byte)
            default:
                out.append(UInt8(ascii: "\\"))
                out += Array(String(byte, radix: 8).leftPadded(to: 3).utf8)
            }
        }
        out.append(UInt8(ascii: ")"))
        return out
    }
}

extension String {
    fileprivate func leftPadded(to count: Int) -> String { String(repeating: "0", count: Swift.max(0, count - self.count)) + self }
}
