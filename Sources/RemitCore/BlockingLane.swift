import Synchronization

/// A lane of `BlockingPool`: what is run through one lane runs at most `width` pieces at a time (one
/// by default), starting in the order it came, on the pool's threads. For blocking work that must
/// not pile up — an SMTP transport's sessions (a slow server then ties up one thread, not the
/// pool), a mail outbox's fsyncs (a few at once, so the file system commits them together).
public final class BlockingLane: Sendable {
    private let width: Int
    private let state = Mutex<(busy: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

    /// A lane that runs at most `width` pieces at once (at least 1, at most the pool's threads).
    public init(width: Int = 1) {
        self.width = min(max(1, width), BlockingPool.threads)
    }

    /// Runs `work` on the pool once fewer than `width` pieces before it in this lane are running.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await enter()
        defer { leave() }
        return await BlockingPool.run(work)
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLock { state in
                if state.busy >= width {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy += 1
                return true
            }
            if free { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.busy -= 1
                return nil
            }
            return state.waiting.removeFirst()  // its turn: it takes over this piece's place
        }
        next?.resume()
    }
}
