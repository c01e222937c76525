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
