import Foundation
import RemitCore
import RemitStore
import Testing

/// Races SQLite's single writer never let happen: two transactions on two threads, each on its own
/// connection, the second started while the first holds its write open. The rule must hold as on
/// SQLite, whichever commits first. PostgreSQL only (SQLite serialises writers, so nothing races).
@Suite("Postgres races at the store seam")
struct PostgresRaceTests {
    private typealias F = ChannelFixtures

    /// Runs `first` and `second` on two threads: `second` starts once `first` has done its writes
    /// (it calls `started`) and while `first`'s transaction stays open a moment longer.
    private static func race<A: Sendable, B: Sendable>(
        first: @escaping @Sendable (_ started: @Sendable () -> Void) -> A, second: @escaping @Sendable () -> B
    ) -> (A, B) {
        let started = DispatchSemaphore(value: 0)
        let results = RaceResults<A, B>()
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "remit.race", attributes: .concurrent)
        queue.async(group: group) { results.first = first { started.signal() } }
        queue.async(group: group) {
            _ = started.wait(timeout: .now() + 30)
            results.second = second()
        }
        group.wait()
        return (results.first!, results.second!)
    }

    private static func store(in directory: URL) throws -> any MessageStoreBackend {
        let store = try PostgresBackendFactory().channelStore(in: directory)
        try store.write { try F.fill($0.channel()) }
        return store
    }

    private static func attempt(_ body: () throws -> Void) -> StoreFailure.Code? {
        do {
            try body()
            return nil
        } catch let failure as StoreFailure {
            return failure.code
        } catch {
            return .other
        }
    }

    @Test("the same message recorded by two hosts at once: one commits, the other is refused")
    func inboxRace() throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.store(in: directory)
            let record = InboxRecord(
                consumer: "payment-posting", messageId: "m-1", messageType: "payment.post", correlationId: "c", contentDigest: "d",
                processedAt: F.now, followUps: [])
            let (first, second) = Self.race(
                first: { started in
                    Self.attempt {
                        try store.write { transaction in
                            try transaction.inbox.record(record)
                            started()
                            Thread.sleep(forTimeInterval: 0.3)
                        }
                    }
                },
                second: { Self.attempt { try store.write { try $0.inbox.record(record) } } })
            #expect(first == nil, "the first commits")
            #expect(second == .constraint || second == .busy, "the second is refused, not applied twice: \(String(describing: second))")
            #expect(try store.read { try $0.inbox.count() } == 1)
        }
    }

    @Test("two checkouts of one invoice at the same instant: exactly one pays its open amount")
    func checkoutRace() throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.store(in: directory)
            // What a checkout does: read the invoice (locking it), see what is open, record the payment.
            @Sendable func payInFull(_ id: String, started: @Sendable () -> Void) throws -> Bool {
                try store.write { transaction in
                    let channel = try transaction.channel()
                    let invoice = try #require(try channel.storefront.invoice(number: "INV-1"))
                    let open = try channel.buyerViews.row(invoice).open
                    started()
                    Thread.sleep(forTimeInterval: 0.3)
                    guard open.minorUnits >= invoice.totalMinor else { return false }
                    return try channel.storefront.record(F.payment(id, invoice: "INV-1", minor: invoice.totalMinor))
                }
            }
            let (first, second) = Self.race(
                first: { started in (try? payInFull("pay-a", started: started)) ?? false },
                second: { (try? payInFull("pay-b", started: {})) ?? false })
            #expect([first, second].filter { $0 }.count == 1, "one pays, the other sees the invoice paid")
            let invoice = try #require(try store.read { try $0.channel().storefront.invoice(number: "INV-1") })
            #expect(try store.read { try $0.channel().buyerViews.row(invoice) }.pending == Money(minorUnits: 10_000, currency: .EUR))
        }
    }

    @Test("a late, lower request status applied at the same instant never moves the request back")
    func requestStatusRace() throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.store(in: directory)
            try store.write { transaction in
                _ = try transaction.channel().storefront.record(
                    B2BRequest(requestId: "req-1", userLogin: "ada", customerAccount: "C-1", invoiceNumber: "INV-1", submittedAt: F.now))
            }
            let (first, second) = Self.race(
                first: { started in
                    Self.attempt {
                        try store.write { transaction in
                            try transaction.channel().storefront.applyRequestChange(
                                requestId: "req-1", status: .completed, detail: "sent", at: F.now + 3)
                            started()
                            Thread.sleep(forTimeInterval: 0.3)
                        }
                    }
                },
                second: {
                    Self.attempt {
                        try store.write { transaction in
                            try transaction.channel().channelUpdates.applyRequestChange(
                                requestId: "req-1", status: .processing, detail: "late", at: F.now + 4)
                        }
                    }
                })
            #expect(first == nil && second == nil)
            let rows = try store.read { try $0.channel().buyerViews.requests(user: "ada", limit: 10) }
            #expect(rows.map(\.status) == [.completed])
            #expect(rows.first?.detail == "sent")
        }
    }

    @Test("an older snapshot stored at the same instant as a newer one never overwrites it")
    func snapshotRace() throws {
        try TemporaryDirectory.with { directory in
            let store = try Self.store(in: directory)
            let newer = F.invoice("INV-1", of: "C-1", settledMinor: 10_000, changedAt: F.now + 60)
            let older = F.invoice("INV-1", of: "C-1", settledMinor: 2_000, changedAt: F.now + 30)
            let (first, second) = Self.race(
                first: { started in
                    (try? store.write { transaction -> Bool in
                        let stored = try transaction.channel().channelUpdates.storeIfNewer(newer)
                        started()
                        Thread.sleep(forTimeInterval: 0.3)
                        return stored
                    }) ?? false
                },
                second: { (try? store.write { try $0.channel().channelUpdates.storeIfNewer(older) }) ?? true })
            #expect(first)
            #expect(!second, "the older snapshot is not stored")
            #expect(try store.read { try $0.channel().storefront.invoice(number: "INV-1") } == newer)
        }
    }
}

/// The two results of a race, each written by its own thread before the group is waited for.
// @unchecked Sendable: each field is written by one thread, and read only after `group.wait()`.
private final class RaceResults<A, B>: @unchecked Sendable {
    var first: A?
    var second: B?
}
