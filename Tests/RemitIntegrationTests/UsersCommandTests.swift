import Foundation
import GRDB
import RemitCore
import RemitMessages
import RemitHQ
import RemitSQLite
import RemitStore
import Testing

@Suite("remit hq seed and remit users set-password as child processes", .serialized)
struct UsersCommandTests {
    func credential(_ broker: TestBroker, _ login: String) async throws -> ChannelCredential? {
        try await broker.channelStore().pool.read { try ChannelCredential.find($0, login: login) }
    }

    @Test func theSeedGivesEveryUserTheDemoPasswordAndSetPasswordReplacesOneFromStandardInput() async throws {
        // No broker objects needed: these commands work on the data directory only.
        try await TestBroker.with(apply: false) { broker in
            let hasher = try PasswordHasher(cost: PasswordHasher.demoCost)
            let (seedStatus, seedOutput) = try await RemitProcess.run(
                ["hq", "seed", "--customers", "6", "--invoices", "0", "--today", "2026-11-29"], broker: broker)
            #expect(seedStatus == 0, "\(seedOutput)")
            let users = try await HQStore(dataDirectory: broker.dataDirectory).pool.read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM b2b_user") ?? 0
            }
            #expect(seedOutput.contains("\(users) users have the password 'remit-demo' (bcrypt cost 4"), "\(seedOutput)")
            #expect(seedOutput.contains("Demo logins") && seedOutput.contains("user00001"))
            #expect(try broker.rows("SELECT COUNT(*) FROM channel_credential") == users)
            let demo = try #require(try await credential(broker, "user00001"))
            #expect(await hasher.verify("remit-demo", against: demo.passwordHash))

            let password = "n3w secret, long enough"
            let (status, output) = try await RemitProcess.run(
                ["users", "set-password", "user00002", "--password-cost", "5"], broker: broker, input: password + "\n")
            #expect(status == 0, "\(output)")
            #expect(output == "password set for user00002\n")
            let changed = try #require(try await credential(broker, "user00002"))
            #expect(changed.passwordHash.hasPrefix("$2b$05$"), "the configured cost")
            #expect(await hasher.verify(password, against: changed.passwordHash))
            #expect(!(await hasher.verify("remit-demo", against: changed.passwordHash)))

            let (unknown, unknownOutput) = try await RemitProcess.run(
                ["users", "set-password", "nobody"], broker: broker, input: password + "\n")
            #expect(unknown == 1)
            #expect(unknownOutput == "remit: no B2B user 'nobody' in HQ or the channel\n")
            #expect(try broker.rows("SELECT COUNT(*) FROM channel_credential WHERE login = 'nobody'") == 0)

            let (empty, emptyOutput) = try await RemitProcess.run(["users", "set-password", "user00002"], broker: broker, input: "\n")
            #expect(empty == 1)
            #expect(emptyOutput == "remit: refused an empty password for user00002\n")
            let kept = try #require(try await credential(broker, "user00002"))
            #expect(kept == changed, "a refused password changes nothing")
        }
    }
}
