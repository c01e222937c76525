import Foundation
import Logging
import RemitApp
import RemitClient
import RemitCore
import RemitHQ
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import Testing

/// `remit run` without a child process: the composition root builds the same service group, here
/// in the test's own process.
@Suite("The composition root in process", .serialized)
struct RemitServicesTests {
    @Test func everyKindAndTheSchedulerRunInProcessAndShutDownGracefully() async throws {
        try await TestBroker.with { broker in
            let hq = try HQStore(dataDirectory: broker.dataDirectory)
            let summary = try HQSeeder(store: hq, today: CalendarDate(Date())).seed(.init(customers: 3, invoices: 7, seed: 5))
            let configuration = try RemitConfiguration(
                flags: [
                    .amqpURL: RemitProcess.url(broker), .dataDir: broker.dataDirectory,
                    .topologyDir: repositoryRoot.appendingPathComponent("Topology").path,
                    .jobSchedule: "P-0001=1,Distribution=1,Synchronize orders and channel requests=1,Invoice posting=1",
                    .portalPort: "0",
                ],
                environment: ProcessInfo.processInfo.environment.filter { $0.key == "REMIT_MANAGEMENT_URL" }, configFile: nil)
            var plan = RemitServices.Plan.everything(in: broker.topology)
            plan.handleSignals = false
            // `remit run --consumers payment-posting=3,email-dispatch=2`: those kinds' counts, the others' defaults.
            plan.consumers = try ConsumerCounts.parse("payment-posting=3,email-dispatch=2", kinds: plan.kinds)
            let group = try await RemitServices.build(configuration, plan: plan, logger: testLogger)
            let running = Task { try await group.run() }
            try await expectEventually("distribution brought every invoice into the channel store", timeout: .seconds(60)) {
                try broker.rows("SELECT COUNT(*) FROM channel_invoice") == summary.invoices
            }
            for (kind, expected) in [
                ("payment-posting", 3), ("email-dispatch", 2),
                ("cart-validation", try broker.topology.kind(named: "cart-validation").consumers),
            ] {
                let queue = try broker.topology.kind(named: kind).queue
                try await expectEventually("\(kind) runs \(expected) consumers") {
                    try await broker.management.queue(vhost: broker.amqp.vhost, name: queue)?["consumers"]?.intValue == Int64(expected)
                }
            }
            let started = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(ContinuousClock.now - started < .seconds(30), "the group drained within its bound")
            let succeededRuns = try await hq.pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM job_run WHERE status = 'succeeded'") ?? 0
            }
            #expect(succeededRuns >= 2)
        }
    }

    @Test func aBrokerWhoseObjectsDifferRefusesToBuildTheGroup() async throws {
        try await TestBroker.with(apply: false) { broker in
            let configuration = try RemitConfiguration(
                flags: [
                    .amqpURL: RemitProcess.url(broker), .dataDir: broker.dataDirectory,
                    .topologyDir: repositoryRoot.appendingPathComponent("Topology").path,
                ],
                environment: ProcessInfo.processInfo.environment.filter { $0.key == "REMIT_MANAGEMENT_URL" }, configFile: nil)
            await #expect { _ = try await RemitServices.build(configuration, plan: .init(kinds: ["smoke"]), logger: testLogger) } throws: {
                "\($0)".contains("differ from Topology/") && "\($0)".contains("is missing")
            }
            #expect(!FileManager.default.fileExists(atPath: broker.dataDirectory + "/channel.sqlite"), "nothing opened before the check")
        }
    }
}
