import Foundation

/// Failed sign-ins in the channel store, under keys the portal makes (one for the login, one for the
/// client address), so every portal process counts the same failures.
public protocol SignInFailureQueries {
    /// Records one failed sign-in at `at` under each of `keys`.
    func record(keys: [String], at: Date) throws
    /// The times of `key`'s failures after `since`, newest first, at most `limit`.
    func recent(key: String, since: Date, limit: Int) throws -> [Date]
    /// Forgets every failure under `key`.
    func clear(key: String) throws
    /// Deletes up to `limit` failures at or before `cutoff`, the oldest first; returns how many.
    func prune(upTo cutoff: Date, limit: Int) throws -> Int
}
