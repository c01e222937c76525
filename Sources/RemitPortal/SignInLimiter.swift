import Foundation
import Synchronization

/// Failed sign-ins counted per login and per client address over a sliding window. Once either count
/// reaches its limit, sign-in is refused (without checking the password) until enough failures have
/// left the window. Kept in memory: a restart forgets, and each portal process counts its own.
public final class SignInLimiter: Sendable {
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
    /// Failure times by key; at most `maximumKeys` keys, so made-up logins cannot fill the memory.
    private let failures = Mutex<[String: [Date]]>([:])
    static let maximumKeys = 50_000

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    private static func key(login: String) -> String { "login:" + login.prefix(128) }
    private static func key(address: String) -> String { "address:" + address.prefix(64) }

    /// How long until `login` from `address` may try again; nil when it may try now.
    public func waitBeforeTrying(login: String, address: String, now: Date) -> TimeInterval? {
        failures.withLock { failures in
            var wait: TimeInterval?
            for (key, limit) in [(Self.key(login: login), limits.perLogin), (Self.key(address: address), limits.perAddress)] {
                let recent = (failures[key] ?? []).filter { now.timeIntervalSince($0) < limits.window }
                guard limit > 0, recent.count >= limit else { continue }
                // Free again when the failure that brought the count to the limit leaves the window.
                let until = recent[recent.count - limit].addingTimeInterval(limits.window)
                wait = max(wait ?? 0, until.timeIntervalSince(now))
            }
            return wait
        }
    }

    public func recordFailure(login: String, address: String, now: Date) {
        failures.withLock { failures in
            for key in [Self.key(login: login), Self.key(address: address)] {
                failures[key, default: []].removeAll { now.timeIntervalSince($0) >= limits.window }
                failures[key, default: []].append(now)
            }
            guard failures.count > Self.maximumKeys else { return }
            failures = failures.filter { $0.value.contains { now.timeIntervalSince($0) < limits.window } }
            if failures.count > Self.maximumKeys {
                // Still full of recent failures: forget those whose last failure is oldest.
                let keep = failures.sorted { ($0.value.last ?? .distantPast) > ($1.value.last ?? .distantPast) }.prefix(
                    Self.maximumKeys / 2)
                failures = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
        }
    }

    /// A successful sign-in clears its login's failures (not its address's).
    public func recordSuccess(login: String) {
        _ = failures.withLock { $0.removeValue(forKey: Self.key(login: login)) }
    }
}
