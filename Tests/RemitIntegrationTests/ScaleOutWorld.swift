import Foundation
import GRDB
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitPostgres
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// Remit over several hosts, on one machine: the channel store in a throw-away PostgreSQL database,
/// HQ's store in the broker's data directory, and `remit worker` child processes — "hosts" — each
/// with a data directory of its own and the same `--store` URL and broker vhost. The test reads what
/// the workers wrote with SQL on the database, behind the stores' back.
struct ScaleOutWorld: Sendable {
    let broker: TestBroker
    let server: PostgresTestServer
    let url: PostgresStoreURL
    /// The URL as an operator writes it (the test server trusts its user; no password).
    var urlText: String { "postgres://\(url.user)@\(url.host):\(url.port)/\(url.database)?sslmode=disable" }
    static let today = CalendarDate(Date())

    static func with(_ body: (ScaleOutWorld) async throws -> Void) async throws {
        try await TestBroker.with { broker in
            let server = try PostgresTestServer.shared.get()
            let url = try server.database("scaleout\(UUID().uuidString.prefix(8))")
            // Deadlocks found in 100 ms rather than the default second, so the many the races
            // provoke cost little time (a superuser's setting: a server of REMIT_TEST_POSTGRES_URL
            // whose user may not set it keeps its own).
            try? server.execute("ALTER DATABASE \(url.database) SET deadlock_timeout = '100ms'", in: url.database)
            try await body(ScaleOutWorld(broker: broker, server: server, url: url))
        }
    }

    /// A whole number read from the channel store's schema (`remit_channel`), e.g. a `COUNT(*)`.
    func count(_ sql: String) throws -> Int { try server.integer(sql, in: url.database) }

    /// The seed's back office with `shop` added to it, distributed into the channel store on
    /// PostgreSQL by a `remit worker hq-distribution channel-updates` process, as on a real HQ host.
    func seed(_ shop: @Sendable (HQStore, Date) throws -> Void, until condition: @escaping () throws -> Bool) async throws {
        let (seedStatus, seedOutput) = try await RemitProcess.run(
            ["hq", "seed", "--customers", "1", "--invoices", "0", "--today", Self.today.description, "--store", urlText], broker: broker)
        try #require(seedStatus == 0, "\(seedOutput)")
        let hq = try HQStore(dataDirectory: broker.dataDirectory)
        try shop(hq, Date())
        let distribution = try RemitProcess(["worker", "hq-distribution", "channel-updates", "--store", urlText], broker: broker)
        let (runStatus, runOutput) = try await RemitProcess.run(["hq", "run-job", "Distribution", "--wait", "60"], broker: broker)
        #expect(runStatus == 0, "\(runOutput)")
        try await expectEventually("the channel store on PostgreSQL has the shop", timeout: .seconds(30)) {
            (try? condition()) ?? false
        }
        distribution.signal(SIGTERM)
        #expect(await distribution.waitForExit() == 0, "\(distribution.output.suffix(2000))")
    }

    /// A worker process running `kinds` with one consumer each, as one host would.
    func startHost(_ name: String, kinds: [String]) throws -> RemitProcess {
        let directory = (broker.dataDirectory as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try RemitProcess(
            ["worker"] + kinds + ["--consumers", "1", "--batch-size", "10", "--store", urlText, "--data-dir", directory], broker: broker)
    }

    func consumers(_ queue: String) async throws -> Int {
        try await broker.withConnection { try await $0.inspectQueue(queue).consumerCount }
    }

    /// A command as a producer (the portal, an integration) publishes it.
    struct Command {
        var type: String
        var body: JSONValue
        var actingUser: String

        init<Body: MessageBody>(_ body: Body, as actingUser: String) throws {
            type = Body.messageType
            self.body = try JSONValue.parse(try MessageCoding.shared.encode(body))
            self.actingUser = actingUser
        }
    }

    /// Publishes `commands` in their order, with confirms, all under `correlationId` (which their
    /// outcomes, inbox rows and follow-ups carry); returns their message ids.
    /// - Parameter twice: then publishes the same bytes again, in the reverse order — a producer
    ///   resending what it could not be sure the broker took — so copies reach both hosts at once
    ///   where the two streams meet.
    @discardableResult
    func publish(_ commands: [Command], correlationId: String, twice: Bool = false) async throws -> [String] {
        let producer = Producer(topology: broker.topology)
        let prepared = try commands.map {
            try producer.prepare(type: $0.type, body: $0.body, actingUser: $0.actingUser, correlationId: correlationId)
        }
        let outbound = prepared.map(\.outbound) + (twice ? prepared.reversed().map(\.outbound) : [])
        try await broker.withConnection { connection in
            for chunk in stride(from: 0, to: outbound.count, by: 500) {
                try await connection.publish(Array(outbound[chunk..<min(chunk + 500, outbound.count)]))
            }
        }
        return prepared.map(\.message.messageId)
    }

    /// How many outcomes the channel store holds for commands under `correlationId`, by `filter`.
    func outcomes(_ correlationId: String, where filter: String = "TRUE") throws -> Int {
        try count("SELECT COUNT(*) FROM remit_channel.command_outcome WHERE correlation_id = '\(correlationId)' AND (\(filter))")
    }
}

/// The customers, users and invoices the races run on; every invoice in euros, open in full,
/// without a cash discount.
enum ScaleOutShop {
    /// Pairs: customer `R-C<i>` with user `ra<i>`, customer `R-M<i>` (invoice account `R-C<i>`) with
    /// user `rb<i>`; both reach invoice `R-INV-<i>` (100.00 + i cents).
    static let pairs = 50
    /// `L-ORG` (user `lo`) and its member `L-MEM` (user `lm`): invoices of 10.00 each and a credit
    /// limit that leaves room for exactly `creditRoom` of them on account.
    static let creditInvoices = 40
    static let creditRoom = 7
    /// `K-ORG` (user `ko`) and its member `K-MEM` (user `km`): invoices of 1,000.00 paid a euro at a time.
    static let killInvoices = 10

    static func invoiceTotal(pair: Int) -> Int64 { 10_000 + Int64(pair) }

    static func add(to hq: HQStore, at now: Date) throws {
        let today = ScaleOutWorld.today
        try hq.pool.write { db in
            func customer(_ account: String, of invoiceAccount: String? = nil, limit: Int64 = 100_000_000) throws {
                try HQCustomer(
                    account: account, name: "Customer \(account)", email: "\(account.lowercased())@shop.example", currency: .EUR,
                    invoiceAccount: invoiceAccount, allowOnAccount: true, creditLimitMinor: limit, paymentTerms: "NET30", changedAt: now
                ).insert(db)
            }
            func user(_ login: String, of account: String) throws {
                try HQUser(login: login, customerAccount: account, displayName: "User \(login)", email: "\(login)@shop.example").insert(db)
            }
            func invoice(_ number: String, of account: String, total: Int64) throws {
                try HQInvoice(
                    number: number, customerAccount: account, invoiceDate: today.adding(days: -5), dueDate: today.adding(days: 25),
                    discountLastDay: nil, discountMinor: 0, currency: .EUR, totalMinor: total, changedAt: now
                ).insert(db)
                try HQInvoiceLine(invoiceNumber: number, lineNo: 1, description: "Pallets", amountMinor: total).insert(db)
            }
            for pair in 0..<pairs {
                try customer("R-C\(pair)")
                try customer("R-M\(pair)", of: "R-C\(pair)")
                try user("ra\(pair)", of: "R-C\(pair)")
                try user("rb\(pair)", of: "R-M\(pair)")
                try invoice("R-INV-\(pair)", of: "R-C\(pair)", total: invoiceTotal(pair: pair))
            }
            try customer("L-ORG", limit: Int64(creditInvoices + creditRoom) * 1_000 + 500)
            try customer("L-MEM", of: "L-ORG", limit: 0)
            try user("lo", of: "L-ORG")
            try user("lm", of: "L-MEM")
            for number in 0..<creditInvoices { try invoice("L-INV-\(number)", of: "L-ORG", total: 1_000) }
            try customer("K-ORG")
            try customer("K-MEM", of: "K-ORG", limit: 0)
            try user("ko", of: "K-ORG")
            try user("km", of: "K-MEM")
            for number in 0..<killInvoices { try invoice("K-INV-\(number)", of: "K-ORG", total: 100_000) }
        }
    }

    /// Whether the channel store on PostgreSQL has all of the shop.
    static func distributed(_ world: ScaleOutWorld) throws -> Bool {
        try world.count("SELECT COUNT(*) FROM remit_channel.channel_invoice WHERE number LIKE '%-INV-%'")
            == pairs + creditInvoices + killInvoices
            && world.count(
                "SELECT COUNT(*) FROM remit_channel.channel_user WHERE login ~ '^(ra|rb)[0-9]+$' OR login IN ('lo', 'lm', 'ko', 'km')"
            ) == 2 * pairs + 4
    }
}
