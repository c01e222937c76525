import Foundation
import RemitCore
import RemitStore
import Testing

/// Where a click's trace waits for the next job, as every backend keeps it.
@Suite("Store contract: trace contexts")
struct TraceContextContractTests {
    static let first = TraceContext(traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", traceState: "remit=1")!
    static let second = TraceContext(traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")!

    static func check(_ store: any MessageStoreBackend) throws {
        let payment = TracedItem(.transaction, "P-1")
        let request = TracedItem(.request, "R-1")
        let sameKeyOtherKind = TracedItem(.request, "P-1")
        try store.write { transaction in
            let kept = try transaction.channel().traceContexts
            try kept.keep(Self.first, for: payment)
            try kept.keep(Self.first, for: request)
            // A later step replaces what an earlier one kept for the same item.
            try kept.keep(Self.second, for: request)
        }
        let found = try store.read { try $0.channel().traceContexts.traces(of: [payment, request, sameKeyOtherKind]) }
        #expect(found == [payment: Self.first, request: Self.second], "kinds keep keys apart; the state travels along")
        #expect(found[payment]?.traceState == "remit=1" && found[request]?.traceState == nil)
        try store.write { try $0.channel().traceContexts.forget([payment, TracedItem(.invoice, "never kept")]) }
        #expect(try store.read { try $0.channel().traceContexts.traces(of: [payment, request]) } == [request: Self.second])
        // A job carrying thousands of items on reads them in one call.
        let many = (0..<1_200).map { TracedItem(.transaction, "P-many-\($0)") }
        try store.write { transaction in
            for item in many { try transaction.channel().traceContexts.keep(Self.first, for: item) }
        }
        #expect(try store.read { try $0.channel().traceContexts.traces(of: many) }.count == 1_200)
        try store.write { try $0.channel().traceContexts.forget(many) }
        #expect(try store.read { try $0.channel().traceContexts.traces(of: many) }.isEmpty)
        // Rolled back with the transaction that kept it.
        struct Rollback: Error {}
        _ = try? store.write { transaction -> Void in
            try transaction.channel().traceContexts.keep(Self.first, for: TracedItem(.transaction, "P-rolled-back"))
            throw Rollback()
        }
        #expect(try store.read { try $0.channel().traceContexts.traces(of: [TracedItem(.transaction, "P-rolled-back")]) }.isEmpty)
    }

    @Test("kept per item and kind, replaced by a later step, forgotten, read in bulk, rolled back", arguments: StoreBackends.all)
    func keptReadAndForgotten(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in try Self.check(try backend.channelStore(in: directory)) }
    }

    @Test("HQ keeps them the same way", arguments: StoreBackends.withHQ)
    func hq(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.hqStore(in: directory)
            let invoice = TracedItem(.invoice, "INV-1")
            try store.writeHQ { try $0.traceContexts.keep(Self.first, for: invoice) }
            #expect(try store.readHQ { try $0.traceContexts.traces(of: [invoice]) } == [invoice: Self.first])
            try store.writeHQ { try $0.traceContexts.forget([invoice]) }
            #expect(try store.readHQ { try $0.traceContexts.traces(of: [invoice]) }.isEmpty)
        }
    }
}
