import Synchronization

/// Deliveries handed from the connection's thread to one consuming task. The broker bounds it by
/// the consumer's prefetch. `nextBatch` takes everything already here at once, so a worker can
/// handle several deliveries in one store transaction.
public typealias DeliveryBuffer = AsyncBatchQueue<Delivery>

/// A queue between producers and one consuming task that takes what has accumulated in one go:
/// the consumer's batches grow by themselves when it falls behind.
public final class AsyncBatchQueue<Element: Sendable>: Sendable, AsyncSequence {
    private struct State: ~Copyable {
        var items: [Element] = []
        var ended = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
        /// How many buffered elements wake the waiter: 1 for `nextBatch`, a batch for `awaitFill`.
        var wanted = 1
        /// `wake()` was called and no `awaitFill` has returned for it yet.
        var woken = false
    }

    private let state = Mutex(State())

    public init() {}

    /// How many elements wait to be taken now.
    public var count: Int { state.withLock { $0.items.count } }

    /// Whether the queue has ended (what is buffered may still be taken).
    public var hasEnded: Bool { state.withLock { $0.ended } }

    public func yield(_ delivery: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(delivery)
            guard state.items.count >= state.wanted else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits until `count` elements are buffered, the queue has ended, or `wake()` was called
    /// since the last wait that it ended; throws `CancellationError` when the task is cancelled. For
    /// a consumer that reads ahead only a full batch, and is woken when it should take what is here.
    public func awaitFill(_ count: Int) async throws {
        try Task.checkCancellation()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.items.count >= count || state.ended || state.woken || Task.isCancelled {
                        state.woken = false
                        return true
                    }
                    state.wanted = count
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            resumeWaiter()
        }
        state.withLock { $0.woken = false }
        try Task.checkCancellation()
    }

    /// Ends the `awaitFill` under way, or else the next one, at once.
    public func wake() {
        state.withLock { $0.woken = true }
        resumeWaiter()
    }

    private func resumeWaiter() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends the sequence once what is buffered has been taken; with an error, the error is thrown then.
    public func finish(throwing failure: (any Error)? = nil) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.ended else { return nil }
            state.ended = true
            state.failure = failure
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Up to `limit` deliveries, waiting only while none is buffered; empty when the consumer ended
    /// normally (cancelled); throws the error that ended it otherwise, or `CancellationError` when the
    /// waiting task is cancelled.
    public func nextBatch(limit: Int = .max) async throws -> [Element] {
        while true {
            let taken = try state.withLock { state throws -> [Element]? in
                if !state.items.isEmpty {
                    let count = Swift.min(limit, state.items.count)
                    let batch = Array(state.items.prefix(count))
                    state.items.removeFirst(count)
                    return batch
                }
                if state.ended {
                    if let failure = state.failure { throw failure }
                    return []
                }
                return nil
            }
            if let taken { return taken }
            try Task.checkCancellation()
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.items.isEmpty || state.ended || Task.isCancelled { return true }
                        state.wanted = 1
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                resumeWaiter()
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: AsyncBatchQueue<Element>
        public mutating func next() async throws -> Element? {
            try await buffer.nextBatch(limit: 1).first
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: self) }
}
