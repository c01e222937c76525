import Foundation
import Hummingbird
import Logging
import RemitCore
import RemitMessages
import RemitStore

/// HummingbirdAuth's session storage in the channel store (`PortalSessionQueries`), so every portal
/// process knows every session: a load balancer needs no sticky sessions, and a restart signs nobody
/// out. A session is kept under the SHA-256 of its cookie's key, so a copy of the store opens no
/// session; a stored value this build cannot read is no session (logged, never shown). A store that
/// fails throws its `StoreFailure`, as every read of the portal does.
struct StoreSessionDriver: PersistDriver {
    let store: any PortalChannelStore
    let clock: any WallClock
    /// How long a session saved without an expiry of its own lives (HummingbirdAuth's `set` with no
    /// expiry, for a session the store does not hold).
    let defaultLifetime: Duration
    let logger: Logger
    /// Expired sessions deleted with each new one: the table never holds many more than the live ones.
    static let pruneBatch = 50

    /// The store's key for a session cookie's key: its SHA-256.
    static func storeKey(_ key: String) -> String { ContentDigest.sha256(Array(key.utf8)) }

    func create<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let now = clock.now()
        let stored = StoredPortalSession(
            key: Self.storeKey(key), value: try JSONEncoder().encode(value), expiresAt: expiry(expires, from: now))
        let created = try await store.writePortalState { state in
            guard try state.sessions.session(key: stored.key, now: now) == nil else { return false }
            try state.sessions.save(stored)
            _ = try state.sessions.prune(expiredAt: now, limit: Self.pruneBatch)
            return true
        }
        guard created else { throw PersistError.duplicate }
    }

    func set<Object: Codable & Sendable>(key: String, value: Object, expires: Duration?) async throws {
        let key = Self.storeKey(key)
        let value = try JSONEncoder().encode(value)
        let now = clock.now()
        let logger = self.logger
        let lifetime = expiry(nil, from: now)
        let expiresAt = expires.map { expiry($0, from: now) }
        try await store.writePortalState { state in
            if let expiresAt {
                // A new session (or a renewed one): expired ones make way.
                try state.sessions.save(StoredPortalSession(key: key, value: value, expiresAt: expiresAt))
                _ = try state.sessions.prune(expiredAt: now, limit: Self.pruneBatch)
                return
            }
            // An edited session keeps its expiry.
            let existing: Date?
            do {
                existing = try state.sessions.session(key: key, now: now)?.expiresAt
            } catch let corrupt as CorruptStoredValue {
                logger.warning("stored session unreadable; saved anew", metadata: ["column": "\(corrupt.column)"])
                existing = nil
            }
            try state.sessions.save(StoredPortalSession(key: key, value: value, expiresAt: existing ?? lifetime))
        }
    }

    func get<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> Object? {
        try await getWithTTL(key: key, as: type)?.object
    }

    func getWithTTL<Object: Codable & Sendable>(key: String, as type: Object.Type) async throws -> (object: Object, ttl: Duration?)? {
        let key = Self.storeKey(key)
        let now = clock.now()
        let stored: StoredPortalSession?
        do {
            stored = try await store.readChannel { try $0.sessions.session(key: key, now: now) }
        } catch let corrupt as CorruptStoredValue {
            logger.warning("stored session unreadable; treated as signed out", metadata: ["column": "\(corrupt.column)"])
            return nil
        }
        guard let stored else { return nil }
        guard let object = try? JSONDecoder().decode(Object.self, from: stored.value) else {
            // Written by another build or changed from outside: the value is never logged (it holds a CSRF token).
            logger.warning("stored session unreadable; treated as signed out", metadata: ["column": "value"])
            return nil
        }
        return (object, .milliseconds(Int64((stored.expiresAt.timeIntervalSince(now) * 1000).rounded())))
    }

    func remove(key: String) async throws {
        let key = Self.storeKey(key)
        try await store.writePortalState { try $0.sessions.remove(key: key) }
    }

    private func expiry(_ duration: Duration?, from now: Date) -> Date {
        let duration = duration ?? defaultLifetime
        let (seconds, attoseconds) = duration.components
        return now.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
