import Foundation
import GRDB
import Logging
import RemitRuntime
import RemitWorkers
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitHQ
@testable import RemitRuntime
@testable import RemitSQLite
import RemitStore

@Suite("Customers distributed to the channel")
struct ChannelCustomerUpdateTests {
    let t1 = Date(timeIntervalSince1970: 1_800_000_000)
    var t2: Date { t1.addingTimeInterval(60) }

    func snapshot(at changedAt: Date, users: [String], name: String) -> CustomerSnapshot {
        CustomerSnapshot(
            account: "C1", name: name, email: "c1@x", currency: "EUR", invoiceAccount: nil, allowOnAccount: true,
            creditLimit: Money(minorUnits: 100, currency: .EUR),
            users: users.map { .init(login: $0, displayName: $0.uppercased(), email: "\($0)@x") }, changedAt: changedAt)
    }

    func apply(_ snapshot: CustomerSnapshot, to store: ChannelStore) async throws {
        let header = EnvelopeHeader(
            type: CustomersChanged.messageType, version: 1, id: UUID().uuidString, correlationId: "c",
            causationId: nil, occurredAt: snapshot.changedAt, actingUser: "system:hq")
        let message = IncomingMessage(header: header, body: CustomersChanged(customers: [snapshot]), attempt: 1, receivedAt: t2)
        let handler = ChannelUpdates.handler
        let context = HandlerContext(logger: Logger(label: "test"), now: t2, attempt: 1, header: header)
        _ = try await store.write { try handler.handle(message, context: context, in: $0) }
    }

    func state(_ store: ChannelStore) async throws -> (name: String?, users: [String]) {
        try await store.pool.read { db in
            (
                try String.fetchOne(db, sql: "SELECT name FROM channel_customer WHERE account = 'C1'"),
                try String.fetchAll(db, sql: "SELECT login FROM channel_user WHERE customer_account = 'C1' ORDER BY login")
            )
        }
    }

    @Test func anOlderSnapshotArrivingLateChangesNeitherTheCustomerNorItsUsers() async throws {
        try await StoreDirectory.with { directory in
            let store = try directory.channel
            try await apply(snapshot(at: t2, users: ["a", "b"], name: "new"), to: store)
            try await apply(snapshot(at: t1, users: ["a", "c"], name: "old"), to: store)
            let after = try await state(store)
            #expect(after.name == "new")
            #expect(after.users == ["a", "b"])
        }
    }

    @Test func aNewerOrEqualSnapshotReplacesTheUsers() async throws {
        try await StoreDirectory.with { directory in
            let store = try directory.channel
            try await apply(snapshot(at: t1, users: ["a", "b"], name: "first"), to: store)
            try await apply(snapshot(at: t2, users: ["a", "c"], name: "second"), to: store)
            #expect(try await state(store) == ("second", ["a", "c"]))
            try await apply(snapshot(at: t2, users: ["d"], name: "again"), to: store)
            #expect(try await state(store) == ("again", ["d"]))
        }
    }

    @Test func noCustomersChangedBodyCarriesACredential() async throws {
        try await StoreDirectory.with { directory in
            let hq = try directory.hq
            try HQSeeder(store: hq, today: CalendarDate(year: 2026, month: 11, day: 29)!).seed(.init(customers: 30, invoices: 5))
            let credentials = UserCredentials(
                hq: hq, channel: try directory.channel, hasher: try PasswordHasher(cost: PasswordHasher.demoCost),
                clock: ManualWallClock(t1))
            try await credentials.setPasswordForEveryHQUser(HQSeeder.demoPassword)
            let hashes = try await directory.channel.pool.read { try ChannelCredential.fetchAll($0).map(\.passwordHash) }
            let header = EnvelopeHeader(
                type: DistributionRun.messageType, version: 1, id: "run-1", correlationId: "run-1",
                causationId: nil, occurredAt: t2, actingUser: "system:test")
            let result = try await hq.writeHQ {
                try DistributionJob(chunkSize: 7).run($0, context: JobContext(header: header, now: self.t2))
            }
            let bodies = result.followUps.filter { $0.type == CustomersChanged.messageType }.map {
                String(decoding: $0.body, as: UTF8.self)
            }
            #expect(bodies.count == 5, "30 customers in chunks of 7")
            #expect(bodies.contains { $0.contains("user00001") }, "the users are distributed")
            for body in bodies {
                #expect(!body.lowercased().contains("password") && !body.contains("$2b$"))
                for hash in hashes { #expect(!body.contains(hash)) }
            }
        }
    }

    @Test func theSchemaRefusesACredentialInACustomersChangedBody() throws {
        let topology = try Topology.load(from: repositoryTopology)
        let body = try JSONValue.parse(
            Data(
                """
                {"customers":[{"account":"C1","name":"n","email":"e","currency":"EUR","allowOnAccount":true,
                  "creditLimit":{"amount":"1.00","currency":"EUR"},"changedAt":"2026-11-29T10:00:00.000Z",
                  "users":[{"login":"u","displayName":"U","email":"u@x","passwordHash":"$2b$04$abc"}]}]}
                """.utf8))
        let violations = MessageValidator(topology: topology).violations(body: body, type: CustomersChanged.messageType, version: 1)
        #expect(violations == ["body.customers[0].users[0]: property 'passwordHash' is not allowed"])
    }
}
