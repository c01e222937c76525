import Foundation

/// A portal session as the channel store keeps it: the session's value as the portal encoded it,
/// under a digest of its cookie (never the cookie: a copy of the store opens no session), until it
/// expires.
public struct StoredPortalSession: Sendable, Equatable {
    /// The SHA-256 of the session cookie's key, as the portal computes it.
    public var key: String
    /// The session, encoded by the portal (JSON); the store does not read it.
    public var value: Data
    /// The session is valid before this time, and gone from then on.
    public var expiresAt: Date

    public init(key: String, value: Data, expiresAt: Date) {
        self.key = key
        self.value = value
        self.expiresAt = expiresAt
    }
}
