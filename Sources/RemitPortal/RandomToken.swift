import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore
import RemitStore

/// Random tokens for sessions' CSRF protection and the sign-in form.
enum RandomToken {
    /// 32 random bytes, base64url without padding (safe in cookies, forms and URLs).
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares without returning early, so the time taken says nothing about where they differ.
    static func matches(_ given: String?, _ expected: String?) -> Bool {
        guard let given, let expected, !expected.isEmpty else { return false }
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
