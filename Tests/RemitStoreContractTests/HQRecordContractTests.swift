import Foundation
import RemitCore
import RemitStore
import Testing

/// What HQ records of its own work, as every backend keeps it: job runs and distribution's state.
/// They run on the backends that keep an HQ store (`StoreBackends.withHQ`: SQLite only — HQ stays on
/// SQLite, see `StoreBackends`).
@Suite("Store contract: HQ's job runs and distribution state")
struct HQRecordContractTests {
    typealias F = HQFixtures

    @Test("a run starts, starts again as the same run, and finishes with its counts", arguments: StoreBackends.withHQ)
    func jobRunStartAndFinish(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            try store.writeHQ { try $0.jobRuns.start(job: "Distribution", runId: "r-1", worker: "w-1", at: F.t0) }
            let running = try #require(try store.readHQ { try $0.jobRuns.find(runId: "r-1") })
            #expect(running.status == .running && running.finishedAt == nil && running.worker == "w-1")
            // A redelivered run keeps its row and takes the new start.
            try store.writeHQ { try $0.jobRuns.start(job: "Distribution", runId: "r-1", worker: "w-2", at: F.t0.addingTimeInterval(5)) }
            try store.writeHQ {
                try $0.jobRuns.finish(
                    runId: "r-1", succeeded: true, counts: ["orders": 2, "held": 1, "payments": 5], error: "held back 1",
                    at: F.t0.addingTimeInterval(9))
            }
            let runs = try store.readHQ { try $0.jobRuns.recent(limit: 10, job: nil) }
            #expect(runs.count == 1)
            let run = try #require(runs.first)
            #expect(run.runId == "r-1" && run.job == "Distribution" && run.worker == "w-2")
            #expect(run.status == .succeeded && run.counts == "held=1 orders=2 payments=5" && run.error == "held back 1")
            #expect(run.startedAt == F.t0.addingTimeInterval(5) && run.finishedAt == F.t0.addingTimeInterval(9))
            #expect(try store.readHQ { try $0.jobRuns.find(runId: "no-such-run") } == nil)
        }
    }

    @Test("a failed run keeps its error; the latest run of each job and the recent runs", arguments: StoreBackends.withHQ)
    func jobRunLists(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            try store.writeHQ { hq in
                for (index, (job, runId)) in [("P-0001", "a-1"), ("Distribution", "b-1"), ("P-0001", "a-2"), ("Distribution", "b-2")]
                    .enumerated()
                {
                    let at = F.t0.addingTimeInterval(Double(index))
                    try hq.jobRuns.start(job: job, runId: runId, worker: "w", at: at)
                    try hq.jobRuns.finish(
                        runId: runId, succeeded: runId != "b-2", counts: [:], error: runId == "b-2" ? "boom" : nil, at: at)
                }
            }
            let latest = try store.readHQ { try $0.jobRuns.latestPerJob() }
            #expect(latest.map(\.runId) == ["b-2", "a-2"])  // by job name
            #expect(latest.first?.status == .failed && latest.first?.error == "boom" && latest.first?.counts == "")
            #expect(try store.readHQ { try $0.jobRuns.recent(limit: 3, job: nil) }.map(\.runId) == ["b-2", "a-2", "b-1"])
            #expect(try store.readHQ { try $0.jobRuns.recent(limit: 10, job: "P-0001") }.map(\.runId) == ["a-2", "a-1"])
        }
    }

    @Test("a record held twice keeps when it was first held; released, it is gone", arguments: StoreBackends.withHQ)
    func distributionHolds(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            try store.writeHQ { hq in
                try hq.distribution.hold(.invoices, key: "INV-2", reason: "too long", at: F.t0)
                try hq.distribution.hold(.invoices, key: "INV-1", reason: "too long", at: F.t0.addingTimeInterval(1))
                try hq.distribution.hold(.customers, key: "C-1", reason: "bad e-mail", at: F.t0.addingTimeInterval(2))
                try hq.distribution.hold(.invoices, key: "INV-2", reason: "still too long", at: F.t0.addingTimeInterval(3))
            }
            #expect(try store.readHQ { try $0.distribution.heldKeys(of: .invoices) } == ["INV-2", "INV-1"])
            #expect(try store.readHQ { try $0.distribution.heldKeys(of: .products) } == [])
            let holds = try store.readHQ { try $0.distribution.holds() }
            #expect(
                holds == [
                    DistributionHold(stream: .invoices, key: "INV-2", reason: "still too long", since: F.t0),
                    DistributionHold(stream: .invoices, key: "INV-1", reason: "too long", since: F.t0.addingTimeInterval(1)),
                    DistributionHold(stream: .customers, key: "C-1", reason: "bad e-mail", since: F.t0.addingTimeInterval(2)),
                ])
            try store.writeHQ { try $0.distribution.release(.invoices, key: "INV-2") }
            #expect(try store.readHQ { try $0.distribution.heldKeys(of: .invoices) } == ["INV-1"])
            #expect(try store.readHQ { try $0.distribution.heldKeys(of: .customers) } == ["C-1"])
        }
    }

    @Test("each stream's watermark starts at the start and moves on its own", arguments: StoreBackends.withHQ)
    func watermarks(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            #expect(try store.readHQ { try $0.distribution.position(of: .invoices) } == .start)
            let moved = DistributionPosition(changedAt: F.t0, key: "INV-1|odd")
            try store.writeHQ { try $0.distribution.move(.invoices, to: moved) }
            try store.writeHQ { try $0.distribution.move(.invoices, to: moved) }
            #expect(try store.readHQ { try $0.distribution.position(of: .invoices) } == moved)
            #expect(try store.readHQ { try $0.distribution.position(of: .customers) } == .start)
        }
    }

    @Test("distribution reads what changed after its position, in change order", arguments: StoreBackends.withHQ)
    func changedAfter(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            try store.writeHQ { try F.fill($0) }
            let customers = try store.readHQ { try $0.accounts.changedCustomers(after: .start, limit: 10) }
            #expect(customers.map(\.account) == ["ORG", "C-1"])
            let afterOrg = DistributionPosition(changedAt: F.t0, key: "ORG")
            #expect(try store.readHQ { try $0.accounts.changedCustomers(after: afterOrg, limit: 10) }.map(\.account) == ["C-1"])
            #expect(try store.readHQ { try $0.accounts.changedCustomers(after: .start, limit: 1) }.map(\.account) == ["ORG"])
            #expect(try store.readHQ { try $0.invoices.changedInvoices(after: .start, limit: 10) }.map(\.number) == ["INV-1", "INV-2"])
            #expect(try store.readHQ { try $0.products.changedProducts(after: .start, limit: 10) }.map(\.sku) == ["P-1"])
            let held = try store.readHQ { hq in
                (
                    try hq.invoices.invoices(numbers: ["INV-2", "nope"]).map(\.number), try hq.accounts.customers(accounts: ["C-1"]).count,
                    try hq.products.products(skus: ["P-1", "P-9"]).map(\.price)
                )
            }
            #expect(held.0 == ["INV-2"] && held.1 == 1 && held.2 == [F.euros(1_250)])
        }
    }

    @Test("the runtime's transaction on the HQ store is HQ's; the channel's is not", arguments: StoreBackends.withHQ)
    func transactionKinds(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let hq = try backend.hqStore(in: directory)
            try hq.write { try $0.hq().jobRuns.start(job: "Distribution", runId: "r-1", worker: "w", at: F.t0) }
            #expect(try hq.readHQ { try $0.jobRuns.find(runId: "r-1") } != nil)
            let channel = try backend.channelStore(in: directory)
            #expect(throws: WrongStoreTransaction.self) { try channel.read { _ = try $0.hq() } }
        }
    }
}
