import Foundation
import RemitAMQP
import Testing

/// The queue between a consumer's connection and its worker: batches of what has accumulated, and
/// the wait for a full batch that the worker's reading stage makes while the store is busy.
@Suite("The delivery queue")
struct AsyncBatchQueueTests {
    @Test func aBatchTakesWhatHasAccumulatedUpToItsLimitInOrder() async throws {
        let queue = AsyncBatchQueue<Int>()
        for value in 1...5 { queue.yield(value) }
        #expect(queue.count == 5)
        #expect(try await queue.nextBatch(limit: 3) == [1, 2, 3])
        #expect(try await queue.nextBatch() == [4, 5])
        queue.finish()
        #expect(try await queue.nextBatch().isEmpty, "ended: an empty batch")
    }

    @Test func awaitingAFillReturnsOnceTheBatchIsFullNotBefore() async throws {
        let queue = AsyncBatchQueue<Int>()
        let filled = Task {
            try await queue.awaitFill(3)
            return queue.count
        }
        queue.yield(1)
        queue.yield(2)
        try await Task.sleep(for: .milliseconds(50))
        queue.yield(3)
        #expect(try await filled.value == 3, "two elements do not end the wait; the third does")
    }

    @Test func aWakeEndsTheWaitUnderWayOrElseTheNextOneOnce() async throws {
        let queue = AsyncBatchQueue<Int>()
        let waiting = Task { try await queue.awaitFill(100) }
        try await Task.sleep(for: .milliseconds(20))
        queue.wake()
        try await waiting.value
        // A wake while nobody waits ends the next wait at once, and only that one.
        queue.wake()
        try await queue.awaitFill(100)
        let next = Task { try await queue.awaitFill(2) }
        try await Task.sleep(for: .milliseconds(20))
        queue.yield(1)
        queue.yield(2)
        try await next.value
        #expect(try await queue.nextBatch() == [1, 2])
    }

    @Test func aCancelledWaitThrowsAndAnEndedQueueEndsTheWait() async throws {
        let queue = AsyncBatchQueue<Int>()
        let cancelled = Task { try await queue.awaitFill(10) }
        try await Task.sleep(for: .milliseconds(20))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        let ended = Task { try await queue.awaitFill(10) }
        #expect(!queue.hasEnded)
        queue.finish()
        try await ended.value
        #expect(queue.hasEnded, "a reader that waits for a fill checks this, or it would wait again at once")
    }
}
