import Synchronization

/// A lane of `BlockingPool`: what is run through one lane runs one piece at a time, in the order it
/// came, on the pool's threads. For blocking work that must not pile up — an SMTP transport's
/// sessions (a slow server then ties up one thread, not the pool), a mail outbox's fsyncs.
public final class BlockingLane: Sendable {
    private let state = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    /// Runs `work` on the pool once everything before it in this lane has finished.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await enter()
        defer { leave() }
        return await BlockingPool.run(work)
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state in
                if state.busy {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if free { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
