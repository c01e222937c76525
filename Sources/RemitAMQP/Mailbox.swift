import CRabbitMQ
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Work handed to a connection's owning thread. Posting wakes the thread through an eventfd,
/// which it polls together with the broker socket.
final class Mailbox: Sendable {
    typealias Job = @Sendable (ConnectionCore) -> Void

    private struct State: ~Copyable {
        var jobs: [Job] = []
        var closed = false
    }

    private let state = Mutex(State())
    let wakeDescriptor: Int32

    /// Fails when the process cannot create an eventfd (out of file descriptors).
    init?() {
        let descriptor = remit_wake_fd()
        guard descriptor >= 0 else { return nil }
        wakeDescriptor = descriptor
    }

    deinit {
        close(wakeDescriptor)
    }

    /// Queues a job; false when the connection is already closed.
    func post(_ job: @escaping Job) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wake() }
        return accepted
    }

    func takeAll() -> [Job] {
        state.withLock { state in
            let jobs = state.jobs
            state.jobs.removeAll(keepingCapacity: true)
            return jobs
        }
    }

    var isEmpty: Bool { state.withLock { $0.jobs.isEmpty } }

    /// Refuses further jobs and returns the ones still waiting, so they can be failed.
    func closeAndTakeAll() -> [Job] {
        state.withLock { state in
            state.closed = true
            let jobs = state.jobs
            state.jobs.removeAll()
            return jobs
        }
    }

    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    func clearWake() {
        var value: UInt64 = 0
        _ = read(wakeDescriptor, &value, MemoryLayout<UInt64>.size)
    }
}
