import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

/// The threads bcrypt runs on: one serial queue per core (at most four), used in turn, so at most
/// that many hashes run at once and none of them on the cooperative pool.
final class BcryptThreads: Sendable {
    static let shared = BcryptThreads(count: min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)))

    let count: Int
    private let queues: [DispatchQueue]
    private let next = Atomic<Int>(0)

    init(count: Int) {
        self.count = count
        queues = (0..<count).map { DispatchQueue(label: "remit.bcrypt.\($0)") }
    }

    /// Runs `work` on one of the hashing threads and resumes the caller with its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        let turn = next.wrappingAdd(1, ordering: .relaxed).oldValue
        let queue = queues[Int(UInt(bitPattern: turn) % UInt(count))]
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
