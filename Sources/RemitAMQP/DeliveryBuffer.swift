import Synchronization

/// Deliveries handed from the connection's thread to one consuming task. The broker bounds it by
/// the consumer's prefetch. `nextBatch` takes everything already here at once, so a worker can
/// handle several deliveries in one store transaction.
public final class DeliveryBuffer: Sendable, AsyncSequence {
    public typealias Element = Delivery

    private struct State: ~Copyable {
        var items: [Delivery] = []
        var ended = false
        var failure: AMQPError?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    func yield(_ delivery: Delivery) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.items.append(delivery)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends the sequence once what is buffered has been taken; with an error, the error is thrown then.
    func finish(throwing failure: AMQPError? = nil) {
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
    public func nextBatch(limit: Int) async throws -> [Delivery] {
        while true {
            let taken = try state.withLock { state throws -> [Delivery]? in
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
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: DeliveryBuffer
        public mutating func next() async throws -> Delivery? {
            try await buffer.nextBatch(limit: 1).first
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: self) }
}
