import Foundation
import RemitCore
import RemitPostgres
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// With `store-url` set, the sign-in secrets `remit hq seed` and `remit users set-password` write
/// land in the shared channel store on PostgreSQL, where every host's portal reads them — not in a
/// `channel.sqlite` of the data directory that no portal reads.
@Suite("remit hq seed and remit users set-password with the channel store on PostgreSQL", .serialized)
struct SharedStoreCredentialsTests {
    @Test func passwordsGoToTheSharedChannelStore() async throws {
        try await TestBroker.with(apply: false) { broker in
            let url = try PostgresTestServer.shared.get().database("credentials\(UUID().uuidString.prefix(8))")
            let store = try PostgresChannelStore(url: url)
            // The URL as an operator writes it (the test server trusts its user; no password).
            let text = "postgres://\(url.user)@\(url.host):\(url.port)/\(url.database)?sslmode=disable"
            func credential(_ login: String) async throws -> ChannelCredential? {
                try await store.readChannel { try $0.buyerViews.credential(login: login) }
            }
            let hasher = try PasswordHasher(cost: PasswordHasher.demoCost)

            let (seedStatus, seedOutput) = try await RemitProcess.run(
                ["hq", "seed", "--customers", "3", "--invoices", "0", "--today", "2026-11-29", "--store", text], broker: broker)
            #expect(seedStatus == 0, "\(seedOutput)")
            #expect(seedOutput.contains("in \(url.description) (channel))"), "names the shared store: \(seedOutput)")
            let demo = try #require(try await credential("user00001"))
            #expect(await hasher.verify("remit-demo", against: demo.passwordHash))

            let password = "an0ther secret, long enough"
            let (status, output) = try await RemitProcess.run(
                ["users", "set-password", "user00002", "--store", text], broker: broker, input: password + "\n")
            #expect(status == 0, "\(output)")
            let changed = try #require(try await credential("user00002"))
            #expect(await hasher.verify(password, against: changed.passwordHash))
            #expect(
                !FileManager.default.fileExists(atPath: "\(broker.dataDirectory)/\(ChannelStore.fileName)"),
                "no channel.sqlite that no portal reads")
        }
    }
}
