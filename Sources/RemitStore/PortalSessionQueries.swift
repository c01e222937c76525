import Foundation

/// The portal's sign-in sessions in the channel store, shared by every portal process: a session
/// one portal saved is valid on every other (no sticky sessions) and after a restart.
public protocol PortalSessionQueries {
    /// The session under `key`, unless it expired at or before `now`.
    func session(key: String, now: Date) throws -> StoredPortalSession?
    /// Stores `session`, replacing the one under its key.
    func save(_ session: StoredPortalSession) throws
    /// Forgets the session under `key` (nothing when there is none).
    func remove(key: String) throws
    /// Deletes up to `limit` sessions expired at or before `now`, the oldest first; returns how many.
    func prune(expiredAt now: Date, limit: Int) throws -> Int
}
