import Foundation
import NIOPosix

/// The one pool of threads for Remit's blocking work — bcrypt, libcurl's SMTP and HTTP transfers,
/// the mail outbox's fsyncs — so none of it runs on Swift's cooperative pool, which has only as
/// many threads as cores and also carries the workers and the broker's heartbeats. A NIO thread
/// pool started once and never stopped, with four threads or two per core, whichever is more:
/// blocking work waits on the network or the disk more than it computes, and a slow SMTP server
/// must not hold every thread a sign-in's bcrypt needs.
public enum BlockingPool {
    public static let threads = max(4, 2 * ProcessInfo.processInfo.activeProcessorCount)

    /// Started on first use; never stopped (a process's threads end with it).
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }()

    /// Runs `work` on one of the pool's threads and resumes the caller with its result. The work
    /// runs even when the caller is cancelled meanwhile, as blocking work that has begun must.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Task { try await pool.runIfActive(work) }.value
    }

    /// `run` for work that cannot throw.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await Task { try await pool.runIfActive(work) }.value
        } catch {
            // Unreachable: the pool is never stopped and the inner task is never cancelled.
            return work()
        }
    }
}
