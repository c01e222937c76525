import Foundation
import RemitStore
import Testing

/// The inbox as every backend keeps it: what the runtime's idempotency rests on.
@Suite("Store contract: the inbox")
struct InboxContractTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    static func record(
        _ messageId: String, digest: String = "d1", consumer: String = "payment-posting", at processedAt: Date = now,
        followUps: [StoredFollowUp] = []
    ) -> InboxRecord {
        InboxRecord(
            consumer: consumer, messageId: messageId, messageType: "payment.post", correlationId: "c-\(messageId)",
            contentDigest: digest, processedAt: processedAt, followUps: followUps)
    }

    static let followUps = [
        StoredFollowUp(type: "email.send", messageId: "f-1", correlationId: "c-1", body: Data("{\"a\":1}".utf8)),
        StoredFollowUp(
            type: "remit.reply", messageId: "f-2", correlationId: "c-1", body: Data([0, 255, 10]), replyTo: "amq.gen-xyz",
            replyCorrelationId: "their-7"),
        StoredFollowUp(type: "email.send", messageId: "f-3", correlationId: "c-1", body: Data(), replyTo: "q", replyCorrelationId: nil),
    ]

    @Test("a message not applied is unknown; applied, it is known with its digest", arguments: StoreBackends.all)
    func newThenKnown(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            let unknown = try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "m-1") }
            #expect(unknown == nil)
            try store.write { try $0.inbox.record(Self.record("m-1", digest: "sha-a")) }
            let known = try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "m-1") }
            #expect(known == AppliedMessage(contentDigest: "sha-a", followUps: []))
            // Another consumer has not applied it.
            #expect(try store.read { try $0.inbox.applied(consumer: "cart-validation", messageId: "m-1") } == nil)
        }
    }

    @Test("follow-ups come back byte for byte, in order, with their reply addresses", arguments: StoreBackends.all)
    func followUpsKept(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { try $0.inbox.record(Self.record("m-1", followUps: Self.followUps)) }
            let applied = try #require(try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "m-1") })
            #expect(applied.followUps == Self.followUps)
        }
    }

    @Test("a second record of the same id is refused as a constraint, and the first stays", arguments: StoreBackends.all)
    func conflictRefused(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { try $0.inbox.record(Self.record("m-1", digest: "sha-a")) }
            let failure = #expect(throws: StoreFailure.self) {
                try store.write { try $0.inbox.record(Self.record("m-1", digest: "sha-b")) }
            }
            #expect(failure?.code == .constraint)
            #expect(failure?.refusesTheData == true)
            #expect(failure?.isTheStoresFault == false)
            // The redelivery's digest is compared with the first one's, which is kept.
            let known = try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "m-1") }
            #expect(known?.contentDigest == "sha-a")
        }
    }

    @Test("prune deletes the oldest records before the cutoff, batch by batch, with their follow-ups", arguments: StoreBackends.all)
    func prune(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            let day: TimeInterval = 86_400
            try store.write { transaction in
                for age in 1...5 {
                    try transaction.inbox.record(
                        Self.record("old-\(age)", at: Self.now - Double(age) * 10 * day, followUps: Self.followUps))
                }
                try transaction.inbox.record(Self.record("new", at: Self.now - day, followUps: Self.followUps))
            }
            let cutoff = Self.now - 7 * day
            #expect(try store.write { try $0.inbox.prune(appliedBefore: cutoff, limit: 3) } == 3)
            // The oldest went first.
            #expect(try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "old-5") } == nil)
            #expect(try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "old-1") } != nil)
            #expect(try store.write { try $0.inbox.prune(appliedBefore: cutoff, limit: 3) } == 2)
            #expect(try store.write { try $0.inbox.prune(appliedBefore: cutoff, limit: 3) } == 0)
            #expect(try store.read { try $0.inbox.count() } == 1)
            let kept = try #require(try store.read { try $0.inbox.applied(consumer: "payment-posting", messageId: "new") })
            #expect(kept.followUps == Self.followUps)
            // A pruned id is new again: recording it (with its follow-ups) succeeds.
            try store.write { try $0.inbox.record(Self.record("old-5", followUps: Self.followUps)) }
            #expect(try store.read { try $0.inbox.count() } == 2)
        }
    }

    // HQ stays on SQLite: this runs on the backends with an HQ store only.
    @Test("the HQ store keeps an inbox of its own", arguments: StoreBackends.withHQ)
    func hqInbox(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let channel = try backend.channelStore(in: directory)
            let hq = try backend.hqStore(in: directory)
            try hq.write { try $0.inbox.record(Self.record("run-1", consumer: "hq-distribution")) }
            #expect(try hq.read { try $0.inbox.applied(consumer: "hq-distribution", messageId: "run-1") } != nil)
            #expect(try channel.read { try $0.inbox.applied(consumer: "hq-distribution", messageId: "run-1") } == nil)
        }
    }
}
