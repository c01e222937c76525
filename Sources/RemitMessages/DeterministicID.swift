import Crypto
import Foundation
import RemitCore

/// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name), so handling the same
/// message again derives the same follow-up ids, and different names practically never collide.
public enum DeterministicID {
    /// Remit's namespace for follow-up ids (a random version 4 UUID, fixed forever).
    public static let namespace = UUID(uuidString: "8d3c1f0e-5b7a-4c2e-9f61-2a4b8e0d7c35")!

    /// The id for `parts` in Remit's namespace. Each part is length-prefixed, so ("ab", "c") and
    /// ("a", "bc") are different names.
    public static func make(from parts: String...) -> String {
        // Built as bytes: this runs for every follow-up a worker publishes.
        var input = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        input.reserveCapacity(16 + parts.reduce(0) { $0 + $1.utf8.count + 4 })
        for part in parts {
            input.append(contentsOf: String(part.utf8.count).utf8)
            input.append(UInt8(ascii: ":"))
            input.append(contentsOf: part.utf8)
        }
        return uuid5(input: input)
    }

    /// RFC 9562 version 5 UUID, lowercase.
    public static func uuid5(namespace: UUID, name: [UInt8]) -> String {
        uuid5(input: withUnsafeBytes(of: namespace.uuid) { Array($0) } + name)
    }

    /// The version 5 UUID of `input` (the namespace's 16 bytes, then the name).
    private static func uuid5(input: [UInt8]) -> String {
        let digest: Insecure.SHA1.Digest = Crypto.Insecure.SHA1.hash(data: input)
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, var byte) in digest.prefix(16).enumerated() {
            if index == 6 { byte = (byte & 0x0F) | 0x50 }  // version 5
            if index == 8 { byte = (byte & 0x3F) | 0x80 }  // RFC 9562 variant
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
