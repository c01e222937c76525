import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// What operators type for dead-letter filters and options, read into values; each mistake is
/// one clear line.
public enum DeadLetterInput {
    /// The dead-letter queue a `--queue` names: a worker kind, its work queue or its dead-letter queue.
    public static func queue(_ text: String, topology: Topology) throws -> String {
        for kind in topology.workers.kinds where [kind.name, kind.queue, kind.deadLetterQueue].contains(text) {
            return kind.deadLetterQueue
        }
        throw DeadLetterError(
            "unknown queue '\(text)'; give a worker kind, its queue or its dead-letter queue: "
                + topology.workers.kinds.map(\.queue).joined(separator: ", "))
    }

    /// A `--since`/`--until`: an ISO 8601 timestamp, a date (midnight UTC), or a time ago (`90s`,
    /// `30m`, `2h`, `7d`).
    public static func time(_ text: String, option: String, now: Date) throws -> Date {
        if let date = Timestamp.parse(text) { return date }
        if let day = CalendarDate(text) { return Date(timeIntervalSince1970: Double(day.daysSinceEpoch) * 86_400) }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        if let unit = text.last, let seconds = units[unit], let count = Int(text.dropLast()), count >= 0, count <= 36_500 * 86_400 {
            return now.addingTimeInterval(-Double(count) * seconds)
        }
        throw DeadLetterError(
            "bad \(option) '\(text)': give a timestamp (2026-11-29T10:15:00Z), a date (2026-11-29) or a time ago (30m, 2h, 7d)")
    }

    /// A `--rate`: messages per second, `50` or `50/s`, from 0.1 to 100,000.
    public static func rate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let rate = Double(number), rate.isFinite, rate >= 0.1, rate <= 100_000 else {
            throw DeadLetterError("bad --rate '\(text)': give messages per second from 0.1 to 100000, e.g. 50/s")
        }
        return rate
    }
}
