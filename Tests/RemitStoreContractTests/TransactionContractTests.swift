import Foundation
import RemitStore
import Testing

/// Transactions and savepoints as every backend gives them: the runtime's batch rests on them.
@Suite("Store contract: transactions and savepoints")
struct TransactionContractTests {
    struct Refused: Error {}

    static func record(_ messageId: String) -> InboxRecord {
        InboxRecord(
            consumer: "smoke", messageId: messageId, messageType: "smoke.record", correlationId: "c", contentDigest: "d",
            processedAt: Date(timeIntervalSince1970: 1_780_000_000),
            followUps: [StoredFollowUp(type: "smoke.recorded", messageId: "f-\(messageId)", correlationId: "c", body: Data("x".utf8))])
    }

    static func known(_ store: any MessageStoreBackend, _ messageId: String) throws -> Bool {
        try store.read { try $0.inbox.applied(consumer: "smoke", messageId: messageId) } != nil
    }

    @Test("a savepoint that throws leaves nothing; the others in its transaction commit", arguments: StoreBackends.all)
    func savepointRollback(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { transaction in
                try transaction.savepoint { try transaction.inbox.record(Self.record("m-1")) }
                #expect(throws: Refused.self) {
                    try transaction.savepoint {
                        try transaction.inbox.record(Self.record("m-2"))
                        throw Refused()
                    }
                }
                // Inside the transaction, the failed savepoint's write is gone already.
                #expect(try transaction.inbox.applied(consumer: "smoke", messageId: "m-2") == nil)
                let value = try transaction.savepoint {
                    try transaction.inbox.record(Self.record("m-3"))
                    return 42
                }
                #expect(value == 42)
            }
            #expect(try Self.known(store, "m-1"))
            #expect(try !Self.known(store, "m-2"))
            #expect(try Self.known(store, "m-3"))
        }
    }

    @Test("a store failure inside a savepoint is a StoreFailure and the transaction goes on", arguments: StoreBackends.all)
    func failureInSavepoint(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { transaction in
                try transaction.inbox.record(Self.record("m-1"))
                let failure = #expect(throws: StoreFailure.self) {
                    try transaction.savepoint {
                        try transaction.inbox.record(Self.record("m-2"))
                        try transaction.inbox.record(Self.record("m-1"))
                    }
                }
                #expect(failure?.code == .constraint)
                try transaction.inbox.record(Self.record("m-3"))
            }
            #expect(try Self.known(store, "m-1"))
            #expect(try !Self.known(store, "m-2"))
            #expect(try Self.known(store, "m-3"))
        }
    }

    @Test("a write that throws commits nothing and rethrows the error as it was", arguments: StoreBackends.all)
    func writeRollback(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            #expect(throws: Refused.self) {
                try store.write { transaction in
                    try transaction.inbox.record(Self.record("m-1"))
                    throw Refused()
                }
            }
            #expect(try !Self.known(store, "m-1"))
        }
    }

    @Test("the async transactions commit and roll back alike", arguments: StoreBackends.all)
    func asyncTransactions(backend: any StoreBackendFactory) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try backend.channelStore(in: directory)
        try await store.write { transaction in try transaction.inbox.record(Self.record("m-1")) }
        await #expect(throws: Refused.self) {
            try await store.write { transaction in
                try transaction.inbox.record(Self.record("m-2"))
                throw Refused()
            }
        }
        let counted = try await store.read { transaction in try transaction.inbox.count() }
        #expect(counted == 1)
    }
}
