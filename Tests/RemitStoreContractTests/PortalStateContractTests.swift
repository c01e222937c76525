import Foundation
import RemitCore
import RemitStore
import Testing

/// The portal's state in the channel store as every backend keeps it: sessions until they expire,
/// failed sign-ins within a window, both pruned a bounded batch at a time.
@Suite("Store contract: the portal's sessions and failed sign-ins")
struct PortalStateContractTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    static func session(_ key: String, _ value: String, expiresIn seconds: TimeInterval) -> StoredPortalSession {
        StoredPortalSession(key: key, value: Data(value.utf8), expiresAt: now + seconds)
    }

    @Test("a session is read back until it expires, replaced by a save, gone once removed", arguments: StoreBackends.all)
    func sessions(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { transaction in
                let sessions = try transaction.channel().sessions
                try sessions.save(Self.session("a", #"{"login":"ada"}"#, expiresIn: 60))
                try sessions.save(Self.session("b", "\u{0}binary\u{FF}", expiresIn: 120))
            }
            func read(_ key: String, at offset: TimeInterval) throws -> StoredPortalSession? {
                try store.read { try $0.channel().sessions.session(key: key, now: Self.now + offset) }
            }
            #expect(try read("a", at: 0) == Self.session("a", #"{"login":"ada"}"#, expiresIn: 60))
            #expect(try read("b", at: 0)?.value == Data("\u{0}binary\u{FF}".utf8), "bytes come back as they were")
            #expect(try read("a", at: 59.999) != nil)
            #expect(try read("a", at: 60) == nil, "expired at its expiry")
            #expect(try read("nobody", at: 0) == nil)
            try store.write { try $0.channel().sessions.save(Self.session("a", "changed", expiresIn: 300)) }
            #expect(try read("a", at: 200)?.value == Data("changed".utf8), "a save replaces value and expiry")
            try store.write { transaction in
                try transaction.channel().sessions.remove(key: "a")
                try transaction.channel().sessions.remove(key: "never-there")
            }
            #expect(try read("a", at: 0) == nil)
            #expect(try read("b", at: 0) != nil, "removing one leaves the others")
        }
    }

    @Test("pruning deletes expired sessions only, at most a batch, the oldest first", arguments: StoreBackends.all)
    func pruneSessions(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            try store.write { transaction in
                for i in 1...5 { try transaction.channel().sessions.save(Self.session("old-\(i)", "x", expiresIn: Double(-i))) }
                try transaction.channel().sessions.save(Self.session("live", "x", expiresIn: 60))
            }
            let first = try store.write { try $0.channel().sessions.prune(expiredAt: Self.now, limit: 3) }
            #expect(first == 3)
            // Expired sessions are never read back, so what is left is seen after the expiry moves: the
            // two left are the ones that expired last (old-1, old-2).
            try store.write { transaction in
                for key in ["old-1", "old-2", "old-3"] {
                    let sessions = try transaction.channel().sessions
                    if try sessions.session(key: key, now: Self.now - 10) != nil {
                        try sessions.save(Self.session(key, "kept", expiresIn: 60))
                    }
                }
            }
            #expect(try store.read { try $0.channel().sessions.session(key: "old-1", now: Self.now) }?.value == Data("kept".utf8))
            #expect(try store.read { try $0.channel().sessions.session(key: "old-2", now: Self.now) }?.value == Data("kept".utf8))
            #expect(try store.read { try $0.channel().sessions.session(key: "old-3", now: Self.now) } == nil, "old-3 was pruned")
            #expect(try store.write { try $0.channel().sessions.prune(expiredAt: Self.now, limit: 100) } == 0)
            #expect(try store.write { try $0.channel().sessions.prune(expiredAt: Self.now + 60, limit: 100) } == 3)
            #expect(try store.read { try $0.channel().sessions.session(key: "live", now: Self.now + 59) } == nil)
        }
    }

    @Test("failures are counted per key in the window, newest first, cleared per key", arguments: StoreBackends.all)
    func failures(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            let now = Self.now
            try store.write { transaction in
                let failures = try transaction.channel().signInFailures
                try failures.record(keys: ["login:ada", "address:10.0.0.1"], at: now - 100)
                try failures.record(keys: ["login:ada", "address:10.0.0.1"], at: now - 30)
                try failures.record(keys: ["login:ada", "address:10.0.0.2"], at: now - 10)
                try failures.record(keys: ["login:ada", "address:10.0.0.2"], at: now - 10)
                try failures.record(keys: ["login:bob", "address:10.0.0.1"], at: now - 5)
            }
            func recent(_ key: String, since: Date, limit: Int = 10) throws -> [Date] {
                try store.read { try $0.channel().signInFailures.recent(key: key, since: since, limit: limit) }
            }
            #expect(try recent("login:ada", since: now - 60) == [now - 10, now - 10, now - 30], "two at one time count twice")
            #expect(try recent("login:ada", since: now - 60, limit: 2) == [now - 10, now - 10], "the newest, up to the limit")
            #expect(try recent("login:ada", since: now - 100) == [now - 10, now - 10, now - 30], "the window's start is out of it")
            #expect(try recent("address:10.0.0.1", since: now - 200) == [now - 5, now - 30, now - 100])
            #expect(try recent("login:nobody", since: now - 200).isEmpty)
            try store.write { try $0.channel().signInFailures.clear(key: "login:ada") }
            #expect(try recent("login:ada", since: now - 200).isEmpty)
            #expect(try recent("address:10.0.0.2", since: now - 200).count == 2, "the address's failures stay")
            #expect(try recent("login:bob", since: now - 200) == [now - 5])
        }
    }

    @Test("pruning failures deletes those at or before the cutoff, at most a batch, the oldest first", arguments: StoreBackends.all)
    func pruneFailures(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            let now = Self.now
            try store.write { transaction in
                for i in 1...4 { try transaction.channel().signInFailures.record(keys: ["login:ada"], at: now - Double(100 * i)) }
                try transaction.channel().signInFailures.record(keys: ["login:ada"], at: now)
            }
            #expect(try store.write { try $0.channel().signInFailures.prune(upTo: now - 100, limit: 3) } == 3)
            let left = try store.read { try $0.channel().signInFailures.recent(key: "login:ada", since: now - 1_000, limit: 10) }
            #expect(left == [now, now - 100], "the three oldest went")
            #expect(try store.write { try $0.channel().signInFailures.prune(upTo: now - 100, limit: 3) } == 1, "the cutoff itself is out")
            #expect(try store.write { try $0.channel().signInFailures.prune(upTo: now - 1, limit: 3) } == 0)
        }
    }
}
