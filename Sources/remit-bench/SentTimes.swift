import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitStore
import RemitWorkers

/// Publish instants by message index, written by the publisher and read by the observer thread.
final class SentTimes: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var times: [ContinuousClock.Instant]

    init(count: Int) { times = Array(repeating: .now, count: count) }

    func set(_ index: Int, _ instant: ContinuousClock.Instant) { lock.withLock { times[index] = instant } }
    func get(_ index: Int) -> ContinuousClock.Instant { lock.withLock { times[index] } }
}
