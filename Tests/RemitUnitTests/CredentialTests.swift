import Foundation
import GRDB
@testable import RemitClient
import Synchronization
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitHQ
@testable import RemitRuntime
@testable import RemitSQLite
import RemitStore

@Suite("Password hashes (bcrypt)")
struct PasswordHasherTests {
    let hasher = try! PasswordHasher(cost: PasswordHasher.demoCost)

    @Test func verifiesOnlyTheRightPassword() async {
        let stored = await hasher.hash("s3cret")
        #expect(stored.hasPrefix("$2b$04$") && !stored.contains("s3cret"))
        #expect(await hasher.verify("s3cret", against: stored))
        #expect(!(await hasher.verify("s3cret!", against: stored)))
        #expect(!(await hasher.verify("", against: stored)))
        #expect(!(await hasher.verify("s3cret", against: "plain:s3cret")), "not a bcrypt hash")
    }

    @Test func twoUsersWithTheSamePasswordGetDifferentHashes() async {
        let one = await hasher.hash("same")
        let other = await hasher.hash("same")
        #expect(one != other)
        let many = await hasher.hash(Array(repeating: "same", count: 9))
        #expect(Set(many + [one, other]).count == 11)
        for hash in many { #expect(await hasher.verify("same", against: hash)) }
    }

    @Test func theCostIsConfigurableWithinBcryptsRange() throws {
        #expect(try PasswordHasher().cost == 12)
        #expect(throws: PasswordHasherError.self) { try PasswordHasher(cost: 3) }
        #expect(throws: PasswordHasherError.self) { try PasswordHasher(cost: 32) }
        let configured = try RemitConfiguration(flags: [:], environment: ["REMIT_PASSWORD_COST": "5"], configFile: nil)
        #expect(try configured.passwordHasher().cost == 5)
        let wrong = try RemitConfiguration(flags: [.passwordCost: "40"], environment: [:], configFile: nil)
        #expect(throws: ConfigurationError.self) { try wrong.passwordHasher() }
    }

    @Test func hashingRunsOutsideAnySwiftTask() async {
        // bcrypt inside a task would hold a cooperative-pool thread for its whole run; it runs on
        // BlockingPool's threads, where no task is current.
        #expect(withUnsafeCurrentTask { $0 != nil })
        #expect(await BlockingPool.run { withUnsafeCurrentTask { $0 == nil } })
    }
}

@Suite("User credentials in the channel store")
struct UserCredentialsTests {
    let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
    let hasher = try! PasswordHasher(cost: PasswordHasher.demoCost)

    func credentials(_ directory: StoreDirectory, seeded: Bool = true) throws -> UserCredentials {
        let hq = try directory.hq
        if seeded {
            try HQSeeder(store: hq, today: CalendarDate(year: 2026, month: 11, day: 29)!).seed(.init(customers: 8, invoices: 0))
        }
        return UserCredentials(hq: hq, channel: try directory.channel, hasher: hasher, clock: clock)
    }

    @Test func setPasswordStoresABcryptHashInTheChannelStoreOnly() async throws {
        try await StoreDirectory.with { directory in
            let credentials = try credentials(directory)
            try await credentials.setPassword("correct horse", for: "user00001")
            let stored = try #require(try await directory.channel.pool.read { try ChannelCredential.find($0, login: "user00001") })
            #expect(await hasher.verify("correct horse", against: stored.passwordHash))
            #expect(!(await hasher.verify("wrong horse", against: stored.passwordHash)))
            #expect(stored.updatedAt == clock.now())
            #expect(!"\(stored)".contains(stored.passwordHash), "a credential never prints its hash")
            // Setting it again replaces it.
            try await credentials.setPassword("battery staple", for: "user00001")
            let replaced = try #require(try await directory.channel.pool.read { try ChannelCredential.find($0, login: "user00001") })
            #expect(await hasher.verify("battery staple", against: replaced.passwordHash))
            // HQ keeps no credential at all.
            let hqColumns = try await directory.hq.pool.read { try $0.columns(in: "b2b_user").map(\.name) }
            #expect(!hqColumns.contains { $0.contains("password") }, "\(hqColumns)")
            let channelUserColumns = try await directory.channel.pool.read { try $0.columns(in: "channel_user").map(\.name) }
            #expect(!channelUserColumns.contains { $0.contains("password") }, "\(channelUserColumns)")
        }
    }

    @Test func refusesAnEmptyPasswordAndAnUnknownUserWithoutStoringAnything() async throws {
        try await StoreDirectory.with { directory in
            let credentials = try credentials(directory)
            await #expect(throws: CredentialError(.emptyPassword, login: "user00001")) {
                try await credentials.setPassword("", for: "user00001")
            }
            await #expect(throws: CredentialError(.passwordTooLong, login: "user00001")) {
                try await credentials.setPassword(String(repeating: "x", count: 73), for: "user00001")
            }
            do {
                try await credentials.setPassword("s3cret-value", for: "nobody")
                Issue.record("an unknown user got a password")
            } catch let error as CredentialError {
                #expect(error.code == .unknownUser)
                #expect("\(error)" == "no B2B user 'nobody' in HQ or the channel")
                #expect(!"\(error)".contains("s3cret-value"))
            }
            #expect(try await directory.channel.pool.read { try ChannelCredential.fetchCount($0) } == 0)
        }
    }

    @Test func aUserOnlyTheChannelKnowsCanGetAPassword() async throws {
        try await StoreDirectory.with { directory in
            let credentials = try credentials(directory, seeded: false)
            try await directory.channel.pool.write { db in
                try db.execute(
                    sql: "INSERT INTO channel_user (login, customer_account, display_name, email) VALUES ('c1', 'C1', 'C', 'c@x')")
            }
            try await credentials.setPassword("pw", for: "c1")
            #expect(try await directory.channel.pool.read { try ChannelCredential.find($0, login: "c1") } != nil)
        }
    }

    @Test func theDemoSeedGivesEveryUserTheDemoPasswordWithSaltsOfTheirOwn() async throws {
        try await StoreDirectory.with { directory in
            let credentials = try credentials(directory)
            let users = try await directory.hq.pool.read { try String.fetchAll($0, sql: "SELECT login FROM b2b_user ORDER BY login") }
            let steps = Mutex<[Int]>([])
            let count = try await credentials.setPasswordForEveryHQUser(HQSeeder.demoPassword) { done, _ in
                steps.withLock { $0.append(done) }
            }
            #expect(count == users.count && count > 0)
            #expect(steps.withLock { $0 }.last == users.count)
            let stored = try await directory.channel.pool.read { try ChannelCredential.order(ChannelCredential.Columns.login).fetchAll($0) }
            #expect(stored.map(\.login) == users)
            #expect(Set(stored.map(\.passwordHash)).count == users.count, "a salt per user")
            for credential in stored { #expect(await hasher.verify(HQSeeder.demoPassword, against: credential.passwordHash)) }
        }
    }
}
