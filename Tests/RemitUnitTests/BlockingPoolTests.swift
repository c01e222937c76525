import Foundation
import Synchronization
import Testing

@testable import RemitCore

@Suite("The pool for blocking work")
struct BlockingPoolTests {
    @Test func workRunsOnThePoolsThreadsNotInATask() async throws {
        #expect(await BlockingPool.run { withUnsafeCurrentTask { $0 == nil } })
        let value = try await BlockingPool.run { () throws -> Int in 42 }
        #expect(value == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await BlockingPool.run { () throws -> Int in throw Refused() } }
    }

    /// What the pieces saw: how many were inside the lane at once, at most, and which ran.
    final class Seen: Sendable {
        let inside = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let ran = Mutex<Set<Int>>([])
    }

    @Test func aLaneRunsOnePieceAtATime() async {
        let seen = await run(24, through: BlockingLane())
        #expect(seen.most.load(ordering: .sequentiallyConsistent) == 1, "never two pieces at once")
        #expect(seen.ran.withLock { $0 } == Set(0..<24), "every piece ran")
    }

    @Test func aWideLaneRunsAsManyAsItsWidthAtOnceAndNoMore() async {
        let seen = await run(24, through: BlockingLane(width: 2))
        // Pieces of 2 ms each, 24 of them on a pool of 4 or more threads: two overlap at some point.
        #expect(seen.most.load(ordering: .sequentiallyConsistent) == 2, "two at once, never three")
        #expect(seen.ran.withLock { $0 } == Set(0..<24), "every piece ran")
    }

    /// Runs `count` pieces of 2 ms through `lane` from as many tasks at once.
    func run(_ count: Int, through lane: BlockingLane) async -> Seen {
        let seen = Seen()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    _ = await lane.run {
                        let now = seen.inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                        _ = seen.most.max(now, ordering: .sequentiallyConsistent)
                        seen.ran.withLock { _ = $0.insert(index) }
                        usleep(2_000)
                        seen.inside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                        return index
                    }
                }
            }
        }
        return seen
    }
}
