import Foundation
import RemitAMQP
import RemitCore
import RemitSQLite
import RemitHQ
import RemitMessages
@testable import RemitOperations
import RemitStore
import Testing
@testable import RemitRuntime

@Suite("remit worker as a child process", .serialized)
struct WorkerProcessTests {
    @Test func aWorkerKilledMidBatchAndRestartedAppliesEveryMessageExactlyOnce() async throws {
        try await TestBroker.with { broker in
            let total = 4000
            let ids = try await broker.publishSmoke(count: total)
            let first = try RemitProcess(["worker", "smoke", "--prefetch", "200", "--batch-size", "100"], broker: broker)
            try await expectEventually("the first worker has stored some messages") {
                (try? broker.rows("SELECT COUNT(*) FROM smoke_record")) ?? 0 >= 300
            }
            first.signal(SIGKILL)
            _ = await first.waitForExit()
            let atKill = try broker.rows("SELECT COUNT(*) FROM smoke_record")
            #expect(atKill < total, "killed while messages were still being handled (\(atKill) of \(total))")

            let second = try RemitProcess(["worker", "smoke"], broker: broker)
            try await expectEventually("the restarted worker stores the rest", timeout: .seconds(120)) {
                try broker.rows("SELECT COUNT(*) FROM smoke_record") == total
            }
            second.signal(SIGTERM)
            let secondStatus = await second.waitForExit()
            #expect(secondStatus == 0)

            #expect(try broker.rows("SELECT COUNT(*) FROM smoke_record") == total)
            #expect(try broker.rows("SELECT COUNT(DISTINCT key) FROM smoke_record") == total)
            #expect(try broker.rows("SELECT COUNT(*) FROM inbox") == total)
            #expect(try await broker.readyCount("remit.smoke") == 0)
            #expect(try await broker.readyCount("remit.smoke.dead") == 0)
            // Follow-ups of messages applied just before the kill may be published twice, with the
            // same id; every message has exactly one distinct follow-up.
            let followUps = try await broker.drainAll("remit.smoke.audit", atLeast: total)
            let causes = try followUps.map { try MessageCoding.decoder().decode(EnvelopeHeader.self, from: Data($0.body)) }
            #expect(Set(causes.compactMap(\.causationId)) == Set(ids))
            #expect(Set(causes.map(\.id)).count == total)
        }
    }

    /// Found by `scripts/chaos faults`: a SIGTERM while the worker was still starting (stores,
    /// topology check, connections) killed it with the signal's default action. Now a signal at any
    /// moment of the start ends it with 0, and what it had not applied is still in the queue.
    @Test(arguments: [5, 60, 250, 700])
    func sigtermWhileStartingExitsZeroAndLosesNothing(afterMilliseconds delay: Int) async throws {
        try await TestBroker.with { broker in
            let total = 200
            _ = try await broker.publishSmoke(count: total)
            let worker = try RemitProcess(["worker", "smoke"], broker: broker)
            try await Task.sleep(for: .milliseconds(delay))
            worker.signal(SIGTERM)
            let status = await worker.waitForExit()
            #expect(status == 0, "after \(delay) ms: exit status \(String(describing: status)); output:\n\(worker.output.suffix(2000))")
            let applied = try broker.rows("SELECT COUNT(*) FROM smoke_record")
            try await expectEventually("after \(delay) ms: what was not applied is back in the queue") {
                try await broker.readyCount("remit.smoke") == total - applied
            }
        }
    }

    @Test func sigtermFinishesAndAcksWhatIsInFlightAndExitsZero() async throws {
        try await TestBroker.with { broker in
            let total = 6000
            let ids = Set(try await broker.publishSmoke(count: total))
            let worker = try RemitProcess(["worker", "smoke", "--prefetch", "300", "--batch-size", "50"], broker: broker)
            try await expectEventually("the worker is busy") {
                (try? broker.rows("SELECT COUNT(*) FROM smoke_record")) ?? 0 >= 500
            }
            worker.signal(SIGTERM)
            let status = await worker.waitForExit()
            #expect(status == 0, "exit status \(String(describing: status)); output:\n\(worker.output.suffix(2000))")
            #expect(worker.output.contains("worker draining"))

            let applied = try broker.rows("SELECT COUNT(*) FROM smoke_record")
            #expect(applied > 0 && applied < total, "stopped part-way (\(applied) of \(total))")
            // What the worker had received it handled and acked: it says so when it stops, and the
            // rest is still in the queue, none of it applied. (A quorum queue may hand back, marked
            // redelivered, messages it had assigned to the consumer but not yet sent when the
            // consumer was cancelled; those never reached the worker.)
            let stopped = try #require(worker.output.split(separator: "\n").last { $0.contains("worker stopped") })
            let received = try #require(stopped.firstMatch(of: /received=(\d+)/).flatMap { Int($0.1) })
            let settled = try #require(stopped.firstMatch(of: /settled=(\d+)/).flatMap { Int($0.1) })
            #expect(received == settled && settled == applied, "received \(received), settled \(settled), applied \(applied)")
            let remaining = try await broker.drain("remit.smoke", expected: total - applied, timeout: .seconds(30))
            #expect(remaining.count == total - applied)
            let remainingIds = Set(remaining.compactMap(\.properties.messageId))
            let appliedIds = Set(try broker.strings("SELECT message_id FROM inbox"))
            #expect(remainingIds.isDisjoint(with: appliedIds))
            #expect(remainingIds.union(appliedIds) == ids)
            let followUps = try await broker.drain("remit.smoke.audit", expected: applied)
            #expect(followUps.count == applied, "every applied message's follow-up was published before exit")
        }
    }

    @Test func aWorkerRefusesToStartWhenTheBrokerDiffersFromTheTopology() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["worker", "smoke"], broker: broker)
            #expect(status != 0)
            #expect(output.contains("queue 'remit.smoke' is missing"))
            #expect(output.contains("remit topology apply"))
        }
    }
}

@Suite("remit run as a child process", .serialized)
struct RunCommandTests {
    @Test func runStartsEveryKindAndTheSchedulerAndDrainsOnSigint() async throws {
        try await TestBroker.with { broker in
            // Port 0: the portal takes any free port and logs it.
            let run = try RemitProcess(["run", "--job-schedule", "P-0001=1", "--portal-port", "0"], broker: broker)
            let kinds = broker.topology.workers.kinds.map(\.name)
            try await expectEventually("every worker kind started and P-0001 ran on its schedule", timeout: .seconds(60)) {
                let output = run.output
                let started = kinds.allSatisfy { output.contains("worker=\($0) [RemitRuntime] worker starting") }
                let ran =
                    (try? HQStore(dataDirectory: broker.dataDirectory, readOnly: true).pool.read {
                        try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM job_run WHERE job = 'P-0001' AND status = 'succeeded'") ?? 0
                    }) ?? 0
                return started && ran >= 2
            }
            #expect(run.output.contains("job run started"), "job runs are logged")
            #expect(run.output.contains("job run succeeded"), "with their outcome")
            let port = try #require(
                run.output.firstMatch(of: /Server started and listening on 127\.0\.0\.1:(\d+)/).flatMap { Int($0.output.1) },
                "the portal is served beside the workers")
            let health = try await CurlHTTPClient(timeoutSeconds: 5)
                .send(method: "GET", url: try #require(URL(string: "http://127.0.0.1:\(port)/health")))
            #expect(health.status == 200, "\(String(decoding: health.body, as: UTF8.self))")
            run.signal(SIGINT)
            let status = await run.waitForExit()
            #expect(status == 0, "\(run.output.suffix(2000))")
        }
    }
}
