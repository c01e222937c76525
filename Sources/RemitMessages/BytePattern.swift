/// A regular expression of the small kind message schemas use (`^[0-9]{4}-(0[1-9]|1[0-2])-…$`,
/// `^[A-Z]{3}$`, `^(user|system):.+$`), matched over a string's bytes with no bridging to
/// `NSString`: anchors, literals, `.`, classes with ranges, `\d`, groups with alternatives, and the
/// quantifiers `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`. `init` returns nil for anything else, and
/// `matches` returns nil for text it does not decide — anything but short printable ASCII — so the
/// caller asks `NSRegularExpression` instead; where both decide, they agree (a test compares them).
struct BytePattern: Sendable {
    /// Longer text is left to `NSRegularExpression` (the matcher recurses once per repetition).
    static let maximumLength = 256

    struct ByteSet: Sendable {
        var low: UInt64 = 0
        var high: UInt64 = 0

        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte - 64)) != 0
        }

        mutating func insert(_ range: ClosedRange<UInt8>) {
            for byte in range where byte < 128 {
                if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
            }
        }

        var inverted: ByteSet { ByteSet(low: ~low, high: ~high) }
    }

    indirect enum Atom: Sendable {
        case bytes(ByteSet)
        case group([[Piece]])
        case start
        case end
    }

    struct Piece: Sendable {
        var atom: Atom
        var minimum = 1
        var maximum = 1
    }

    private let alternatives: [[Piece]]

    init?(_ pattern: String) {
        var parser = Parser(bytes: Array(pattern.utf8))
        guard let alternatives = parser.alternatives(), parser.index == parser.bytes.count else { return nil }
        self.alternatives = alternatives
    }

    /// Whether the pattern matches somewhere in `text` (unanchored, as JSON Schema's `pattern`
    /// asks); nil when the text is not short printable ASCII.
    func matches(_ text: String) -> Bool? {
        var text = text
        return text.withUTF8 { matches(bytes: $0) }
    }

    /// `matches` over a string's UTF-8 bytes.
    func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count <= Self.maximumLength, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        let group = Piece(atom: .group(alternatives))
        for start in 0...bytes.count where match(group, count: 0, at: start, in: bytes, then: { _ in true }) {
            return true
        }
        return false
    }

    /// Whether `pieces[index...]` match from `position` with `rest` matching after them. Any path
    /// that succeeds is a match, so the order alternatives are tried in does not change the answer.
    private func match(
        _ pieces: [Piece], from index: Int, at position: Int, in text: UnsafeBufferPointer<UInt8>, then rest: (Int) -> Bool
    ) -> Bool {
        guard index < pieces.count else { return rest(position) }
        return match(pieces[index], count: 0, at: position, in: text) { next in
            match(pieces, from: index + 1, at: next, in: text, then: rest)
        }
    }

    private func match(
        _ piece: Piece, count: Int, at position: Int, in text: UnsafeBufferPointer<UInt8>, then rest: (Int) -> Bool
    ) -> Bool {
        switch piece.atom {
        case .start: return position == 0 && rest(position)
        case .end: return position == text.count && rest(position)
        case .bytes(let set):
            var taken = 0
            let limit = min(piece.maximum, text.count - position)
            while taken < limit, set.contains(text[position + taken]) { taken += 1 }
            while taken >= piece.minimum {
                if rest(position + taken) { return true }
                taken -= 1
            }
            return false
        case .group(let alternatives):
            if count < piece.maximum {
                for sequence in alternatives {
                    let matched = match(sequence, from: 0, at: position, in: text) { next in
                        // A repetition that consumed nothing ends the repeating once the minimum is met.
                        guard next > position || count < piece.minimum else { return false }
                        return match(piece, count: count + 1, at: next, in: text, then: rest)
                    }
                    if matched { return true }
                }
            }
            return count >= piece.minimum && rest(position)
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func alternatives() -> [[Piece]]? {
            var found: [[Piece]] = []
            while true {
                guard let sequence = sequence() else { return nil }
                found.append(sequence)
                guard index < bytes.count, bytes[index] == UInt8(ascii: "|") else { return found }
                index += 1
            }
        }

        private mutating func sequence() -> [Piece]? {
            var pieces: [Piece] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "|"), bytes[index] != UInt8(ascii: ")") {
                guard let atom = atom() else { return nil }
                var piece = Piece(atom: atom)
                guard quantifier(into: &piece) else { return nil }
                if case .start = atom, piece.maximum != 1 || piece.minimum != 1 { return nil }
                if case .end = atom, piece.maximum != 1 || piece.minimum != 1 { return nil }
                pieces.append(piece)
            }
            return pieces
        }

        private mutating func atom() -> Atom? {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "^"): return .start
            case UInt8(ascii: "$"): return .end
            case UInt8(ascii: "."): return .bytes(ByteSet().inverted)
            case UInt8(ascii: "("):
                guard index < bytes.count, bytes[index] != UInt8(ascii: "?"), let inner = alternatives(),
                    index < bytes.count, bytes[index] == UInt8(ascii: ")")
                else { return nil }
                index += 1
                return .group(inner)
            case UInt8(ascii: "["): return characterClass().map(Atom.bytes)
            case UInt8(ascii: "\\"): return escape().map(Atom.bytes)
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                UInt8(ascii: "]"):
                return nil
            default:
                guard byte >= 0x20, byte < 0x7F else { return nil }
                var set = ByteSet()
                set.insert(byte...byte)
                return .bytes(set)
            }
        }

        /// After a `\`: `\d`, or an escaped ASCII punctuation character standing for itself.
        private mutating func escape() -> ByteSet? {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            var set = ByteSet()
            if byte == UInt8(ascii: "d") {
                set.insert(UInt8(ascii: "0")...UInt8(ascii: "9"))
                return set
            }
            let punctuation = Array(#".-\/()[]{}*+?|^$"#.utf8)
            guard punctuation.contains(byte) else { return nil }
            set.insert(byte...byte)
            return set
        }

        /// After a `[`: single characters, ranges and `\d`, optionally negated, up to `]`.
        private mutating func characterClass() -> ByteSet? {
            var set = ByteSet()
            var negated = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "^") {
                negated = true
                index += 1
            }
            while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                let lower: UInt8
                if bytes[index] == UInt8(ascii: "\\") {
                    index += 1
                    guard let escaped = escape() else { return nil }
                    guard escaped.low.nonzeroBitCount + escaped.high.nonzeroBitCount == 1 else {
                        set.low |= escaped.low
                        set.high |= escaped.high
                        continue
                    }
                    lower = UInt8(escaped.low != 0 ? escaped.low.trailingZeroBitCount : 64 + escaped.high.trailingZeroBitCount)
                } else {
                    lower = bytes[index]
                    // Letters, digits and a few marks stand for themselves; the rest of ICU's set
                    // syntax (`[:alpha:]`, `&&`, `\p{…}`…) is left to NSRegularExpression.
                    guard Self.plainInSet(lower) else { return nil }
                    index += 1
                }
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] != UInt8(ascii: "]") {
                    let upper = bytes[index + 1]
                    guard upper >= lower, Self.plainInSet(upper) else { return nil }
                    index += 2
                    set.insert(lower...upper)
                } else {
                    set.insert(lower...lower)
                }
            }
            guard index < bytes.count, !(set.low == 0 && set.high == 0) else { return nil }
            index += 1  // the ']'
            return negated ? set.inverted : set
        }

        static func plainInSet(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "/"):
                return true
            default:
                return false
            }
        }

        /// An optional `?`, `*`, `+` or `{n}`, `{n,}`, `{n,m}` after an atom; false when malformed
        /// or lazy/possessive (not supported).
        private mutating func quantifier(into piece: inout Piece) -> Bool {
            guard index < bytes.count else { return true }
            switch bytes[index] {
            case UInt8(ascii: "?"): (piece.minimum, piece.maximum) = (0, 1)
            case UInt8(ascii: "*"): (piece.minimum, piece.maximum) = (0, Int.max)
            case UInt8(ascii: "+"): (piece.minimum, piece.maximum) = (1, Int.max)
            case UInt8(ascii: "{"):
                index += 1
                guard let minimum = number() else { return false }
                var maximum = minimum
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    maximum = number() ?? Int.max
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}"), maximum >= minimum else { return false }
                (piece.minimum, piece.maximum) = (minimum, maximum)
            default:
                return true
            }
            index += 1
            // `??`, `*+`, `{2}?`…: lazy and possessive forms are left to NSRegularExpression.
            return index >= bytes.count
                || ![UInt8(ascii: "?"), UInt8(ascii: "+"), UInt8(ascii: "*"), UInt8(ascii: "{")].contains(bytes[index])
        }

        private mutating func number() -> Int? {
            let start = index
            var value = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9"), index - start < 4 {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            return index > start ? value : nil
        }
    }
}
