import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// Why a password was not set. Carries the login, never the password.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        case emptyPassword
        case passwordTooLong
        case unknownUser
    }

    public var code: Code
    public var login: String

    public init(_ code: Code, login: String) {
        self.code = code
        self.login = login
    }

    public var description: String {
        switch code {
        case .emptyPassword: return "refused an empty password for \(login)"
        case .passwordTooLong:
            return "refused the password for \(login): longer than \(PasswordHasher.maximumPasswordBytes) bytes, which bcrypt would cut off"
        case .unknownUser: return "no B2B user '\(login)' in HQ or the channel"
        }
    }
}
