import Foundation
import RemitCore
import RemitStore
import Testing

/// What `remit trace` reads from the channel store, the same on every backend.
@Suite("Store contract: a click traced back")
struct ClickTraceContractTests {
    private typealias F = ChannelFixtures

    @Test("a click's message, outcome and payment are found by its message id, in order", arguments: StoreBackends.all)
    func clickSteps(backend: any StoreBackendFactory) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try backend.channelStore(in: directory)
        try await store.write { transaction in
            let channel = try transaction.channel()
            try F.fill(channel)
            try channel.inbox.record(
                InboxRecord(
                    consumer: "payment-posting", messageId: "cmd-1", messageType: "invoice.pay", correlationId: "click-1",
                    contentDigest: "d", processedAt: F.now, followUps: []))
            try channel.storefront.record(
                CommandOutcome(
                    messageId: "cmd-1", type: "invoice.pay", userLogin: "ada", correlationId: "click-1", outcome: .accepted,
                    paymentId: "pay-1", at: F.now + 1))
            _ = try channel.storefront.record(F.payment("pay-1", invoice: "INV-1", minor: 2_500))
        }
        let source = try #require(store as? any ClickTraceSource)
        #expect(try await source.correlationId(ofMessage: "cmd-1") == "click-1")
        #expect(try await source.correlationId(ofMessage: "unknown") == nil)
        let found = try await source.steps(correlationId: "click-1", following: ClickTrace.Found())
        #expect(found.paymentIds == ["pay-1"])
        #expect(
            found.steps.map(\.what).sorted()
                == [
                    "invoice.pay accepted", "payment pay-1 of 25.00 EUR for INV-1 recorded", "payment-posting applied invoice.pay cmd-1",
                ].sorted())
    }
}
