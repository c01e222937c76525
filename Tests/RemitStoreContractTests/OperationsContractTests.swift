import Foundation
import RemitStore
import Testing

/// The operations store as every backend keeps it: dead letters stored once, found by every
/// filter, grouped, deleted, and the audit of what operators did to them.
@Suite("Store contract: dead letters and their audit")
struct OperationsContractTests {
    struct Refused: Error {}

    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    static func letter(
        _ messageId: String, queue: String = "remit.smoke.dead", type: String = "smoke.record", reason: String = "bad-input",
        error: String = "amount is negative", second: Int = 0, body: String = "{}"
    ) -> DeadLetter {
        DeadLetter(
            messageId: messageId, messageType: type, correlationId: "c-\(messageId)", deadLetterQueue: queue, worker: "smoke",
            originalQueue: "remit.smoke", originalExchange: "remit", originalRoutingKey: type, reason: reason, error: error,
            attempts: 3, failedAt: start.addingTimeInterval(Double(second)), properties: #"{"persistent":true,"headers":{}}"#,
            body: Data(body.utf8), bodyDigest: "digest-of-\(body)", collectedAt: start.addingTimeInterval(3600), replayCount: 0)
    }

    /// Stores `letters` in one transaction; how many were new.
    static func store(_ store: any OperationsStoreBackend, _ letters: [DeadLetter]) async throws -> Int {
        try await store.writeOperations { transaction in try letters.filter { try transaction.deadLetters.store($0) }.count }
    }

    static func all(_ store: any OperationsStoreBackend, _ filter: DeadLetterFilter = DeadLetterFilter()) async throws -> [DeadLetter] {
        try await store.readOperations { try $0.deadLetters.matching(filter, limit: nil) }
    }

    @Test("a redelivered dead letter is stored once; another body under the same id is another letter", arguments: StoreBackends.all)
    func storedOnce(backend: any StoreBackendFactory) async throws {
        try await TemporaryDirectory.with { directory in
            let store = try backend.operationsStore(in: directory)
            #expect(try await Self.store(store, [Self.letter("m-1"), Self.letter("m-2")]) == 2)
            #expect(try await Self.store(store, [Self.letter("m-1")]) == 0, "the redelivery")
            #expect(try await Self.store(store, [Self.letter("m-1", body: #"{"other":1}"#)]) == 1, "same id, other body")
            let stored = try await Self.all(store)
            #expect(stored.count == 3)
            #expect(Set(stored.compactMap(\.id)).count == 3, "each has an id of its own")
            // What was stored comes back as it went in, byte for byte.
            let first = try #require(stored.first { $0.messageId == "m-2" })
            var expected = Self.letter("m-2")
            expected.id = first.id
            #expect(first == expected)
        }
    }

    @Test("every filter narrows, in failure order, and a limit cuts", arguments: StoreBackends.all)
    func filters(backend: any StoreBackendFactory) async throws {
        try await TemporaryDirectory.with { directory in
            let store = try backend.operationsStore(in: directory)
            _ = try await Self.store(
                store,
                [
                    Self.letter("late", second: 30), Self.letter("cart", queue: "remit.cart.dead", type: "cart.checkout", second: 10),
                    Self.letter("exhausted", reason: "retries-exhausted", error: "SMTP 451 try later", second: 20),
                    Self.letter("percent", error: "100% of 50_000 refused", second: 5),
                ])
            #expect(try await Self.all(store).map(\.messageId) == ["percent", "cart", "exhausted", "late"])
            #expect(try await Self.all(store, DeadLetterFilter(queues: ["remit.cart.dead"])).map(\.messageId) == ["cart"])
            #expect(try await Self.all(store, DeadLetterFilter(type: "smoke.record")).count == 3)
            #expect(try await Self.all(store, DeadLetterFilter(reason: "retries-exhausted")).map(\.messageId) == ["exhausted"])
            #expect(try await Self.all(store, DeadLetterFilter(reason: "451 try")).map(\.messageId) == ["exhausted"], "part of the error")
            #expect(try await Self.all(store, DeadLetterFilter(reason: "0% of 50_")).map(\.messageId) == ["percent"])
            #expect(try await Self.all(store, DeadLetterFilter(reason: "1_0")).isEmpty, "_ and % are not wildcards")
            let since = DeadLetterFilter(since: Self.start.addingTimeInterval(10), until: Self.start.addingTimeInterval(30))
            #expect(try await Self.all(store, since).map(\.messageId) == ["cart", "exhausted"], "since inclusive, until exclusive")
            #expect(
                try await Self.all(store, DeadLetterFilter(messageIds: ["late", "cart", "none"])).map(\.messageId) == ["cart", "late"])
            let limited = try await store.readOperations { try $0.deadLetters.matching(DeadLetterFilter(), limit: 2) }
            #expect(limited.map(\.messageId) == ["percent", "cart"])
            #expect(try await store.readOperations { try $0.deadLetters.count(DeadLetterFilter(type: "smoke.record")) } == 3)
        }
    }

    @Test("groups by reason and error, largest first; a group's letters; kept per queue", arguments: StoreBackends.all)
    func groupsAndKept(backend: any StoreBackendFactory) async throws {
        try await TemporaryDirectory.with { directory in
            let store = try backend.operationsStore(in: directory)
            _ = try await Self.store(
                store,
                (0..<3).map { Self.letter("a-\($0)", second: $0) } + (0..<5).map { Self.letter("b-\($0)", error: "b", second: 10 + $0) }
                    + [Self.letter("c", queue: "remit.cart.dead", second: 100)])
            let groups = try await store.readOperations { try $0.deadLetters.groups(DeadLetterFilter()) }
            #expect(
                groups == [
                    DeadLetter.Group(reason: "bad-input", error: "b", count: 5),
                    DeadLetter.Group(reason: "bad-input", error: "amount is negative", count: 4),
                ])
            let inGroup = try await store.readOperations {
                try $0.deadLetters.matching(DeadLetterFilter(queues: ["remit.smoke.dead"]), in: groups[1], limit: 2)
            }
            #expect(inGroup.map(\.messageId) == ["a-0", "a-1"])
            let kept = try await store.readOperations { try $0.deadLetters.keptByQueue() }
            #expect(
                kept == [
                    "remit.smoke.dead": DeadLetter.Kept(count: 8, oldestFailedAt: Self.start),
                    "remit.cart.dead": DeadLetter.Kept(count: 1, oldestFailedAt: Self.start.addingTimeInterval(100)),
                ])
        }
    }

    @Test("ids in order, loaded in batches, deleted; a throwing write keeps nothing", arguments: StoreBackends.all)
    func idsLoadDelete(backend: any StoreBackendFactory) async throws {
        try await TemporaryDirectory.with { directory in
            let store = try backend.operationsStore(in: directory)
            _ = try await Self.store(store, (0..<6).map { Self.letter("m-\($0)", second: 5 - $0) })
            let ids = try await store.readOperations { try $0.deadLetters.ids(DeadLetterFilter(), limit: nil) }
            #expect(ids.count == 6)
            let loaded = try await store.readOperations { try $0.deadLetters.load(ids: Array(ids.prefix(3))) }
            #expect(Set(loaded.map(\.messageId)) == ["m-5", "m-4", "m-3"], "the first three to fail")
            await #expect(throws: Refused.self) {
                try await store.writeOperations { transaction in
                    try transaction.deadLetters.delete(ids: ids)
                    throw Refused()
                }
            }
            #expect(try await Self.all(store).count == 6, "rolled back")
            #expect(try await store.writeOperations { try $0.deadLetters.delete(ids: Array(ids.prefix(2)) + [999_999]) } == 2)
            #expect(try await Self.all(store).map(\.messageId) == ["m-3", "m-2", "m-1", "m-0"])
        }
    }

    @Test("an audit entry counts what it touched, keeps each message's history, and finishes", arguments: StoreBackends.all)
    func audit(backend: any StoreBackendFactory) async throws {
        try await TemporaryDirectory.with { directory in
            let store = try backend.operationsStore(in: directory)
            let letters = [Self.letter("m-1"), Self.letter("m-2", second: 1)]
            let first = try await store.writeOperations { transaction in
                try transaction.audit.begin(
                    DeadLetterAudit(at: Self.start, actor: "ops", action: .purge, filter: "--reason bad-input", matched: 2))
            }
            let firstId = try #require(first.id)
            #expect(first.outcome == .running && first.done == 0)
            try await store.writeOperations { transaction in
                try transaction.audit.record(id: firstId, [(letters[0], change: nil)])
                try transaction.audit.record(id: firstId, [(letters[1], change: #"[{"path":"/amount"}]"#)])
                try transaction.audit.finish(id: firstId, outcome: .completed, detail: nil)
            }
            let second = try await store.writeOperations { transaction in
                let audit = try transaction.audit.begin(
                    DeadLetterAudit(at: Self.start.addingTimeInterval(60), actor: "ops", action: .export, filter: "all", matched: 1))
                try transaction.audit.record(id: audit.id!, [(letters[0], change: nil)])
                try transaction.audit.finish(id: audit.id!, outcome: .failed, detail: "disk full")
                return audit
            }
            let recent = try await store.readOperations { try $0.audit.recent(limit: 10) }
            #expect(recent.map(\.id) == [second.id, firstId], "newest first")
            #expect(recent.last?.done == 2 && recent.last?.outcome == .completed && recent.last?.matched == 2)
            #expect(recent.first?.outcome == .failed && recent.first?.detail == "disk full" && recent.first?.action == .export)
            #expect(try await store.readOperations { try $0.audit.recent(limit: 1) }.count == 1)
            let touched = try await store.readOperations { try $0.audit.touched(auditId: firstId) }
            #expect(touched.map(\.messageId) == ["m-1", "m-2"])
            #expect(touched.map(\.change) == [nil, #"[{"path":"/amount"}]"#])
            #expect(touched.first?.failedAt == Self.start && touched.first?.reason == "bad-input" && touched.first?.attempts == 3)
            let history = try await store.readOperations { try $0.audit.history(messageId: "m-1") }
            #expect(history.map(\.0.id) == [firstId, second.id], "oldest first, with each entry")
            #expect(try await store.readOperations { try $0.audit.history(messageId: "none") }.isEmpty)
        }
    }
}
