import Foundation
import RemitStore

/// Failed sign-ins counted per login and per client address over a sliding window. Once either count
/// reaches its limit, sign-in is refused (without checking the password) until enough failures have
/// left the window. Kept in the channel store (`SignInFailureQueries`), so every portal process
/// counts the same failures and a restart forgets none; failures that left the window are deleted as
/// new ones come, a batch at a time, so made-up logins cannot fill the store.
public struct SignInLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Failures for one login within `window` (guessing one user's password).
        public var perLogin: Int
        /// Failures from one address within `window`, whatever the logins (trying many users). Higher
        /// than `perLogin`: an office's buyers may share one address.
        public var perAddress: Int
        public var window: TimeInterval

        public init(perLogin: Int = 5, perAddress: Int = 20, window: TimeInterval = 15 * 60) {
            self.perLogin = perLogin
            self.perAddress = perAddress
            self.window = window
        }
    }

    public let limits: Limits
    let store: any PortalChannelStore
    /// Failures out of the window deleted with each new one.
    static let pruneBatch = 100

    public init(limits: Limits = Limits(), store: any PortalChannelStore) {
        self.limits = limits
        self.store = store
    }

    static func key(login: String) -> String { "login:" + login.prefix(128) }
    static func key(address: String) -> String { "address:" + address.prefix(64) }

    /// How long until a key whose failures in the window are `recent` (newest first, at least the
    /// newest `limit`) may try again; nil when it may try now. Free again when the failure that
    /// brought the count to the limit leaves the window.
    public static func wait(recent: [Date], limit: Int, window: TimeInterval, now: Date) -> TimeInterval? {
        guard limit > 0, recent.count >= limit else { return nil }
        return recent[limit - 1].addingTimeInterval(window).timeIntervalSince(now)
    }

    /// How long until `login` from `address` may try again; nil when it may try now.
    public func waitBeforeTrying(login: String, address: String, now: Date) async throws -> TimeInterval? {
        let limits = self.limits
        let checks = [(Self.key(login: login), limits.perLogin), (Self.key(address: address), limits.perAddress)]
        return try await store.readChannel { channel in
            var wait: TimeInterval?
            for (key, limit) in checks where limit > 0 {
                let recent = try channel.signInFailures.recent(key: key, since: now - limits.window, limit: limit)
                if let until = Self.wait(recent: recent, limit: limit, window: limits.window, now: now) {
                    wait = max(wait ?? 0, until)
                }
            }
            return wait
        }
    }

    public func recordFailure(login: String, address: String, now: Date) async throws {
        let keys = [Self.key(login: login), Self.key(address: address)]
        let cutoff = now - limits.window
        try await store.writePortalState { state in
            try state.signInFailures.record(keys: keys, at: now)
            _ = try state.signInFailures.prune(upTo: cutoff, limit: Self.pruneBatch)
        }
    }

    /// A successful sign-in clears its login's failures (not its address's).
    public func recordSuccess(login: String) async throws {
        let key = Self.key(login: login)
        try await store.writePortalState { try $0.signInFailures.clear(key: key) }
    }
}
