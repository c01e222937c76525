import Foundation

/// The shop that issues the invoices, as its documents print it: a name and the lines of its
/// address (`seller-name`, `seller-address`). Validated as input: printable text, bounded.
public struct Seller: Sendable, Equatable {
    public var name: String
    public var address: [String]

    /// At most this many address lines, each at most `maximumLength` characters (as the name).
    public static let maximumLines = 6
    public static let maximumLength = 120

    public init(name: String, address: [String] = []) {
        self.name = name
        self.address = address
    }

    /// A seller from the settings' text: `address` is its lines separated by `|`
    /// ("Keizersgracht 1 | 1015 AA Amsterdam | NL"); empty lines are dropped.
    public init(name: String, addressText: String?) throws(SellerError) {
        let name = name.trimmingCharacters(in: .whitespaces)
        try Self.check(name, what: "seller-name")
        guard !name.isEmpty else { throw SellerError("seller-name is empty") }
        let lines = (addressText ?? "").split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard lines.count <= Self.maximumLines else {
            throw SellerError("seller-address has \(lines.count) lines; at most \(Self.maximumLines), separated by |")
        }
        for line in lines { try Self.check(line, what: "seller-address") }
        self.init(name: name, address: lines)
    }

    private static func check(_ text: String, what: String) throws(SellerError) {
        guard text.count <= maximumLength else {
            throw SellerError("\(what) has a part of \(text.count) characters; at most \(maximumLength)")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw SellerError("\(what) contains a control character")
        }
    }
}
