import Testing

@testable import RemitCore

@Suite("Backoff")
struct BackoffTests {
    @Test("the wait starts at the initial delay, multiplies per failure and stops at the maximum")
    func exponential() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let delays = (1...7).map { backoff.delay(afterAttempt: $0) }
        #expect(
            delays == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
                .seconds(1),
            ])
    }

    @Test("no failure yet means no wait")
    func noAttempt() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(30))
        #expect(backoff.delay(afterAttempt: 0) == .zero)
        #expect(backoff.delay(afterAttempt: -3) == .zero)
    }

    @Test("a fractional multiplier grows the wait and still stops at the maximum")
    func fractionalMultiplier() {
        let backoff = Backoff(initial: .seconds(2), multiplier: 1.5, maximum: .seconds(5))
        #expect(backoff.delay(afterAttempt: 2) == .seconds(3))
        #expect(backoff.delay(afterAttempt: 3) == .seconds(4.5))
        #expect(backoff.delay(afterAttempt: 4) == .seconds(5))
    }

    @Test("a huge attempt number or maximum neither overflows nor loops long")
    func extremes() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(Int64.max))
        #expect(backoff.delay(afterAttempt: Int.max) == .seconds(Int64.max))
        let large = Backoff(initial: .nanoseconds(1), multiplier: 1000, maximum: .seconds(60))
        #expect(large.delay(afterAttempt: 1_000_000) == .seconds(60))
    }

    @Test("values out of range are brought into it")
    func clamps() {
        let backoff = Backoff(initial: .seconds(-1), multiplier: 0.5, maximum: .seconds(-2), jitter: 7)
        #expect(backoff.initial == .zero)
        #expect(backoff.multiplier == 1)
        #expect(backoff.maximum == .zero)
        #expect(backoff.jitter == 1)
        let steady = Backoff(initial: .seconds(3), multiplier: .nan, maximum: .seconds(1), jitter: .nan)
        #expect(steady.maximum == .seconds(3))
        #expect(steady.jitter == 0)
        #expect(steady.delay(afterAttempt: 5) == .seconds(3))
    }

    @Test("jitter takes off at most its fraction, and the injected source decides how much")
    func jitter() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8), jitter: 0.5)
        var random = SeededRandom(seed: 42)
        let delays = (1...200).map { _ in backoff.delay(afterAttempt: 4, using: &random) }
        #expect(delays.allSatisfy { $0 > .seconds(4) && $0 <= .seconds(8) })
        #expect(Set(delays).count > 100, "the waits should spread, not repeat")
        var again = SeededRandom(seed: 42)
        #expect(delays == (1...200).map { _ in backoff.delay(afterAttempt: 4, using: &again) })
    }

    @Test("without jitter the random source is not consulted")
    func noJitterIsExact() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(8))
        var random = SeededRandom(seed: 1)
        #expect(backoff.delay(afterAttempt: 3, using: &random) == .seconds(4))
        #expect(random.next() == SeededRandom(seed: 1).nextValue())
    }
}

extension SeededRandom {
    fileprivate func nextValue() -> UInt64 {
        var copy = self
        return copy.next()
    }
}
