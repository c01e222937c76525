import Foundation
import Synchronization

/// Where "now" comes from, and how long waits pass, so due dates, overdue checks, discount windows
/// and schedules can be tested without sleeping.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns after `duration` has passed on this clock; throws `CancellationError` when cancelled.
    func sleep(for duration: Duration) async throws
}

extension WallClock {
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
