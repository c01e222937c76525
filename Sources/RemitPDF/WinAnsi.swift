import Foundation

/// PDF's WinAnsiEncoding (Windows code page 1252), the encoding of Remit's standard fonts: one byte a
/// character. Text is composed first (NFC), so "é" typed as e and a combining accent prints as é; a
/// character the encoding lacks prints as "?" (`isEncodable` says beforehand).
public enum WinAnsi {
    /// The bytes `text` prints as.
    public static func encode(_ text: String) -> [UInt8] {
        text.precomposedStringWithCanonicalMapping.unicodeScalars.map { code(of: $0) ?? UInt8(ascii: "?") }
    }

    /// Whether every character of `text` has a glyph in the encoding.
    public static func isEncodable(_ text: String) -> Bool {
        text.precomposedStringWithCanonicalMapping.unicodeScalars.allSatisfy { code(of: $0) != nil }
    }

    /// The byte of `scalar`, or nil when the encoding has none (control characters included).
    static func code(of scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xFF: return UInt8(scalar.value)
        default: return StandardFontMetrics.windows1252[scalar.value]
        }
    }
}
