import Foundation
import RemitCore

/// A B2B user's sign-in secret: the bcrypt hash of their password, kept only in the channel store,
/// where sign-in happens. HQ never has it and no message carries it, so it cannot end up in a dead
/// letter, an inbox or a broker log. The one place that reads and writes `channel_credential`.
public struct ChannelCredential: Sendable, Equatable, Codable {
    public var login: String
    /// A bcrypt hash (`$2b$…`), salt and cost included.
    public var passwordHash: String
    public var updatedAt: Date

    public init(login: String, passwordHash: String, updatedAt: Date) {
        self.login = login
        self.passwordHash = passwordHash
        self.updatedAt = Timestamp.normalize(updatedAt)
    }
}
