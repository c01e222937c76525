import Foundation
import GRDB
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import Testing

/// What goes wrong outside a message — the store locked from outside, the broker refusing the worker,
/// the broker blocking publishers — is the worker's problem: it waits or stops, and no message
/// spends attempts, is lost or is applied twice.
@Suite("Faults outside the message", .serialized)
struct FaultTests {
    /// Holds SQLite's write lock on `path` from another connection for `duration`, on a thread of its
    /// own (as another process would), and returns once the lock is taken.
    func holdWriteLock(on path: String, for duration: TimeInterval) async throws -> Task<Void, Never> {
        let queue = try DatabaseQueue(path: path)
        let taken = AsyncBatchQueue<Bool>()
        let released = Task.detached {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    try? queue.writeWithoutTransaction { db in
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        taken.yield(true)
                        Thread.sleep(forTimeInterval: duration)
                        try db.execute(sql: "ROLLBACK")
                    }
                    continuation.resume()
                }
            }
        }
        _ = try await taken.nextBatch()
        return released
    }

    @Test func aStoreLockedFromOutsidePausesTheWorkerWithoutSpendingAttempts() async throws {
        try await TestBroker.with { broker in
            let total = 30
            try await broker.publishSmoke(count: total)
            let store = try broker.channelStore()
            // Longer than the store's 10 s busy timeout: every write the worker tries fails meanwhile.
            let lock = try await holdWriteLock(on: store.path, for: 13)
            let runtime = try broker.smokeRuntime(store: store)
            try await withRunningWorker(runtime) {
                await lock.value
                try await expectEventually("every message is stored once the lock is gone", timeout: .seconds(60)) {
                    try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
                }
            }
            #expect(runtime.appliedMessages == total)
            #expect(runtime.settledMessages == total, "no delivery was retried or dead-lettered for the lock")
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == total)
        }
    }

    /// Whether this machine lets the tests mount a small tmpfs (root, as CI runs): a real full disk.
    static let canMountTmpfs: Bool = {
        let point = FileManager.default.temporaryDirectory.appendingPathComponent("remit-mount-probe-\(UUID())").path
        try? FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: point) }
        guard (try? run("/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", point)) != nil else { return false }
        _ = try? run("/bin/umount", point)
        return true
    }()

    @discardableResult
    static func run(_ executable: String, _ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ConfigurationError(.invalidValue, "\(executable) failed") }
        return process.terminationStatus
    }

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs as a disk that fills up"))
    func aFullDiskPausesTheWorkerAndNothingIsLostWhenSpaceReturns() async throws {
        try await TestBroker.with { broker in
            let disk = (broker.dataDirectory as NSString).appendingPathComponent("disk")
            try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
            try Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", disk)
            defer { _ = try? Self.run("/bin/umount", "-l", disk) }
            let store = try ChannelStore(path: (disk as NSString).appendingPathComponent(ChannelStore.fileName))
            // Fill what is left of the disk.
            let filler = URL(fileURLWithPath: (disk as NSString).appendingPathComponent("filler"))
            _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
            let handle = try FileHandle(forWritingTo: filler)
            while (try? handle.write(contentsOf: Data(count: 64 * 1024))) != nil {}
            try? handle.close()

            let total = 150
            try await broker.publishSmoke(count: total, payload: String(repeating: "p", count: 2_000))
            let runtime = try broker.smokeRuntime(store: store)
            try await withRunningWorker(runtime) {
                try await expectEventually("the worker received a batch", timeout: .seconds(20)) { runtime.receivedMessages > 0 }
                try await Task.sleep(for: .seconds(2))
                #expect(runtime.settledMessages == 0, "nothing retried or dead-lettered while the disk is full")
                #expect(try await broker.readyCount("remit.smoke.dead") == 0)
                try FileManager.default.removeItem(at: filler)
                try await expectEventually("every message is applied once there is space again", timeout: .seconds(60)) {
                    try store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM smoke_record") } == total
                }
            }
            #expect(runtime.appliedMessages == total)
            #expect(runtime.settledMessages == total, "no attempt was spent on the full disk")
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
        }
    }

    @Test(arguments: ["wrong-password", "unknown-vhost"])
    func aBrokerThatRefusesTheWorkerForGoodEndsStartUpWithOneClearLine(_ refusal: String) async throws {
        try await TestBroker.with { broker in
            var url = RemitProcess.url(broker)
            if refusal == "wrong-password" { url = url.replacingOccurrences(of: ":\(broker.amqp.password)@", with: ":s3cret-Wrong@") }
            if refusal == "unknown-vhost" { url = url.replacingOccurrences(of: "/" + broker.amqp.vhost, with: "/no-such-vhost") }
            let worker = try RemitProcess(["worker", "smoke", "--skip-verify", "--amqp-url", url], broker: broker)
            let status = await worker.waitForExit(timeout: .seconds(30))
            #expect(status == 1, "exit status \(String(describing: status)); output:\n\(worker.output.suffix(1500))")
            let errorLines = worker.output.split(separator: "\n").filter { $0.hasPrefix("remit: ") }
            #expect(errorLines.count == 1, "\(worker.output.suffix(1500))")
            #expect(errorLines.first?.contains("cannot start") == true)
            #expect(!worker.output.contains("s3cret-Wrong"), "the password is never printed")
            #expect(!worker.output.contains("Usage:"))
        }
    }

    /// Raises RabbitMQ's memory alarm (publishers blocked on every vhost) for `body`, and always
    /// lifts it again.
    func withMemoryAlarm<T>(_ body: () async throws -> T) async throws -> T {
        try rabbitmqctl("set_vm_memory_high_watermark", "0")
        do {
            let result = try await body()
            try rabbitmqctl("set_vm_memory_high_watermark", "0.4")
            return result
        } catch {
            _ = try? rabbitmqctl("set_vm_memory_high_watermark", "0.4")
            throw error
        }
    }

    @Test func underAMemoryAlarmPublishFailsWithTheReasonInsteadOfHanging() async throws {
        try await TestBroker.with { broker in
            let blockedURL = RemitProcess.url(broker) + "?confirm_timeout=3"
            try await withMemoryAlarm {
                let publish = try RemitProcess(
                    [
                        "publish", "smoke.record", "--amqp-url", blockedURL,
                        "--body", #"{"key":"k","amount":{"amount":"1.00","currency":"EUR"}}"#,
                    ], broker: broker)
                let status = await publish.waitForExit(timeout: .seconds(30))
                #expect(status == 1, "exit status \(String(describing: status)); output:\n\(publish.output.suffix(1500))")
                #expect(publish.output.contains("blocking publishers"), "\(publish.output.suffix(1500))")
            }
        }
    }

    @Test func aWorkerBlockedByTheBrokerStillDrainsOnSigtermAndLosesNothing() async throws {
        try await TestBroker.with { broker in
            let total = 200
            try await broker.publishSmoke(count: total)
            let blockedURL = RemitProcess.url(broker) + "?confirm_timeout=3"
            try await withMemoryAlarm {
                let worker = try RemitProcess(["worker", "smoke", "--skip-verify", "--amqp-url", blockedURL], broker: broker)
                try await expectEventually("the worker reports that the broker blocks it", timeout: .seconds(30)) {
                    worker.output.contains("the broker blocks this connection")
                }
                worker.signal(SIGTERM)
                let started = ContinuousClock.now
                let status = await worker.waitForExit(timeout: .seconds(45))
                #expect(status == 0, "exit status \(String(describing: status)); output:\n\(worker.output.suffix(2000))")
                #expect(ContinuousClock.now - started < .seconds(40), "the drain ended within its bound")
            }
            // Alarm lifted: a new worker applies everything, each message once.
            let worker = try RemitProcess(["worker", "smoke"], broker: broker)
            try await expectEventually("every message is applied", timeout: .seconds(60)) {
                try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
            }
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit() == 0)
            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
        }
    }
}
