import Crypto
import Foundation
import RemitCore

/// Digests from swift-crypto, never a hash of our own: the inbox's content digest and the
/// name-based ids of follow-up messages.
public enum ContentDigest {
    /// SHA-256 of `bytes`, as 64 lowercase hex digits.
    public static func sha256(_ bytes: [UInt8]) -> String {
        let digest: SHA256.Digest = SHA256.hash(data: bytes)
        return hex(digest)
    }

    static func hex<Digest: Sequence>(_ digest: Digest) -> String where Digest.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name), so handling the same
/// message again derives the same follow-up ids, and different names practically never collide.
public enum DeterministicID {
    /// Remit's namespace for follow-up ids (a random version 4 UUID, fixed forever).
    public static let namespace = UUID(uuidString: "8d3c1f0e-5b7a-4c2e-9f61-2a4b8e0d7c35")!

    /// The id for `parts` in Remit's namespace. Each part is length-prefixed, so ("ab", "c") and
    /// ("a", "bc") are different names.
    public static func make(from parts: String...) -> String {
        var name = [UInt8]()
        for part in parts {
            name += Array("\(part.utf8.count):".utf8)
            name += Array(part.utf8)
        }
        return uuid5(namespace: namespace, name: name)
    }

    /// RFC 9562 version 5 UUID, lowercase.
    public static func uuid5(namespace: UUID, name: [UInt8]) -> String {
        var input = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        input += name
        let digest: Insecure.SHA1.Digest = Crypto.Insecure.SHA1.hash(data: input)
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let hex = ContentDigest.hex(bytes)
        let characters = Array(hex)
        var text = ""
        text.reserveCapacity(36)
        for (index, character) in characters.enumerated() {
            if index == 8 || index == 12 || index == 16 || index == 20 { text.append("-") }
            text.append(character)
        }
        return text
    }
}
