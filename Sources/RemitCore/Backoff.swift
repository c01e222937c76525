/// How long to wait before trying again, as a value: every retry loop in Remit (reconnecting to the
/// broker, a store that stopped answering, the scale listener) takes one instead of doubling a
/// delay of its own.
///
/// The delay after the first failed attempt is `initial`; each further failure multiplies it by
/// `multiplier`, up to `maximum`. With `jitter` above zero, each delay is shortened by a random
/// part of up to that fraction, so processes that failed together do not all retry in the same
/// instant. The random source is the caller's (`delay(afterAttempt:using:)`), so a test passes a
/// `SeededRandom` and gets the same delays every time; `delay(afterAttempt:)` uses the system's.
///
/// ```swift
/// let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(10))
/// var attempt = 0
/// while true {
///     do { try await connect(); attempt = 0 } catch {
///         attempt += 1
///         try await clock.sleep(for: backoff.delay(afterAttempt: attempt))
///     }
/// }
/// ```
public struct Backoff: Sendable, Equatable {
    /// The wait after the first failed attempt; never below zero.
    public var initial: Duration
    /// What each further failure multiplies the wait by; never below 1. A whole number (the usual 2)
    /// multiplies exactly.
    public var multiplier: Double
    /// The longest wait; never below `initial`.
    public var maximum: Duration
    /// The largest part of a wait taken off at random, from 0 (none: every wait exactly as computed)
    /// to 1 (a wait anywhere from zero up to the computed one).
    public var jitter: Double

    /// Values out of range are brought into it rather than refused: a negative `initial` is zero,
    /// a `multiplier` below 1 is 1, a `maximum` below `initial` is `initial`, `jitter` is kept
    /// within 0…1 (and a NaN `multiplier` or `jitter` counts as its lowest value).
    public init(initial: Duration, multiplier: Double = 2, maximum: Duration, jitter: Double = 0) {
        let initial = max(initial, .zero)
        self.initial = initial
        self.multiplier = multiplier >= 1 ? multiplier : 1
        self.maximum = max(maximum, initial)
        self.jitter = jitter > 0 ? min(jitter, 1) : 0
    }

    /// The wait before the next try, after `attempt` tries failed (1 for the first failure). An
    /// attempt of 0 or less waits nothing. With jitter, `random` picks how much is taken off.
    public func delay<Random: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout Random) -> Duration {
        let computed = undisturbedDelay(afterAttempt: attempt)
        guard jitter > 0, computed > .zero else { return computed }
        let cut = jitter * Double.random(in: 0..<1, using: &random)
        return max(.zero, computed * (1 - cut))
    }

    /// The wait before the next try, after `attempt` tries failed; jitter, if any, from the
    /// system's random source.
    public func delay(afterAttempt attempt: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, using: &random)
    }

    /// `initial × multiplier^(attempt − 1)`, at most `maximum`, without jitter.
    private func undisturbedDelay(afterAttempt attempt: Int) -> Duration {
        guard attempt > 0 else { return .zero }
        let whole = multiplier.rounded() == multiplier && multiplier <= Double(Int32.max) ? Int(multiplier) : nil
        var delay = initial
        // Stops as soon as the maximum is reached, so a large attempt costs no more than a small one;
        // the check in seconds keeps the exact product below the maximum, so it cannot overflow.
        for _ in 1..<attempt {
            guard multiplier > 1, delay > .zero, delay < maximum else { break }
            if Self.seconds(delay) * multiplier >= Self.seconds(maximum) { return maximum }
            delay = whole.map { delay * $0 } ?? delay * multiplier
        }
        return min(delay, maximum)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
