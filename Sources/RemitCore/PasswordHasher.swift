import Foundation
import HummingbirdBcrypt
import Synchronization

/// bcrypt password hashes from HummingbirdBcrypt: each hash carries its own random salt and its cost,
/// so two users with the same password get different hashes and old hashes verify after a cost change.
///
/// bcrypt is slow on purpose (hundreds of milliseconds at cost 12), so it never runs on the Swift
/// cooperative pool, which has one thread per core (two here): a few hashes there would stall every
/// worker and the broker heartbeats. It runs on `BlockingPool` instead.
public struct PasswordHasher: Sendable {
    /// OWASP's floor for bcrypt; slow enough against guessing, fast enough for an interactive sign-in.
    public static let defaultCost = 12
    /// For demo seeds and tests: the same algorithm, 256 times faster than the default (not for real users).
    public static let demoCost = 4
    /// What bcrypt accepts: 2^4 … 2^31 rounds.
    public static let costs = 4...31
    /// bcrypt reads at most this many bytes of a password and silently ignores the rest.
    public static let maximumPasswordBytes = 72

    public let cost: Int

    public init(cost: Int = defaultCost) throws(PasswordHasherError) {
        guard Self.costs.contains(cost) else { throw PasswordHasherError(cost: cost) }
        self.cost = cost
    }

    /// A new hash of `password` with a fresh salt.
    public func hash(_ password: String) async -> String {
        let cost = UInt8(cost)
        return await BlockingPool.run { Bcrypt.hash(password, cost: cost) }
    }

    /// Hashes of many passwords (a seed's users), spread over the hashing threads; in the same order.
    public func hash(_ passwords: [String]) async -> [String] {
        let cost = UInt8(cost)
        // One slice per core: hashing computes, it does not wait.
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let sliceSize = max(1, (passwords.count + threads - 1) / threads)
        let slices = stride(from: 0, to: passwords.count, by: sliceSize).map { Array(passwords[$0..<min($0 + sliceSize, passwords.count)]) }
        return await withTaskGroup(of: (Int, [String]).self) { group in
            for (index, slice) in slices.enumerated() {
                group.addTask { (index, await BlockingPool.run { slice.map { Bcrypt.hash($0, cost: cost) } }) }
            }
            var hashed = [[String]](repeating: [], count: slices.count)
            for await (index, hashes) in group { hashed[index] = hashes }
            return hashed.flatMap { $0 }
        }
    }

    /// Whether `password` is the one `hash` was made from; false for anything that is not a bcrypt hash.
    /// Takes as long as the cost stored in `hash`, whatever this hasher's cost.
    public func verify(_ password: String, against hash: String) async -> Bool {
        await BlockingPool.run { Bcrypt.verify(password, hash: hash) }
    }
}
