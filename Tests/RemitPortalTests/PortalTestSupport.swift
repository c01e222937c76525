import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitPortal
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitTestSupport
import Synchronization
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let quietLogger: Logger = {
    var logger = Logger(label: "remit.portal.tests")
    logger.logLevel = .warning
    return logger
}()

/// Stands in for the broker: keeps what the portal published, or fails as a broker that does not
/// confirm; reports the connection up or down.
final class RecordingPublisher: CommandPublishing {
    private struct State {
        var published: [OutboundMessage] = []
        var confirms = true
        var connected = true
    }
    private let state = Mutex(State())

    var published: [OutboundMessage] { state.withLock { $0.published } }
    func setConfirms(_ confirms: Bool) { state.withLock { $0.confirms = confirms } }
    func setConnected(_ connected: Bool) { state.withLock { $0.connected = connected } }

    struct NotConfirmed: Error {}

    func publish(_ message: OutboundMessage) async throws {
        try state.withLock { state in
            guard state.confirms else { throw NotConfirmed() }
            state.published.append(message)
        }
    }

    func isConnected() async -> Bool { state.withLock { $0.connected } }

    /// The envelopes published, decoded.
    func envelopes() throws -> [[String: JSONValue]] {
        try published.map { message in
            guard case .object(let object) = try JSONValue.parse(Data(message.body)) else { throw NotConfirmed() }
            return object
        }
    }
}

/// A channel store with a known shop, as distribution would have left it. On 2026-11-29:
/// - `mem` (Mia Member) of T-MEM, whose invoice account is T-ORG: 70 invoices T-MEM-001…070 and
///   T-MEM-DISC (a cash discount of 2.00 until 2026-12-04), and T-ORG's 40 invoices T-ORG-001…040;
/// - `solo` of T-SOLO with 5 invoices, none of which `mem` may reach;
/// - `mate` of T-MATE, a member account without an invoice account, with 3 invoices T-MATE-001…003;
/// - passwords `remit-demo` (bcrypt at the demo cost).
struct PortalWorld {
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!
    static let password = "remit-demo"
    let directory: String
    let store: ChannelStore
    let clock: ManualWallClock
    let publisher = RecordingPublisher()

    enum Kind { case paid, partiallyPaid, overdue, unpaid }
    /// What T-MEM-<i> is: every 7th paid, else every 5th partially paid, else every 3rd overdue.
    static func kind(_ i: Int) -> Kind {
        if i % 7 == 0 { return .paid }
        if i % 5 == 0 { return .partiallyPaid }
        if i % 3 == 0 { return .overdue }
        return .unpaid
    }
    static func number(_ prefix: String, _ i: Int) -> String { "\(prefix)-\(String(format: "%03d", i))" }

    static func with(_ body: (PortalWorld) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-portal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = ManualWallClock(Date(timeIntervalSince1970: Double(today.daysSinceEpoch) * 86_400 + 43_200))
        let store = try ChannelStore(dataDirectory: directory)
        let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash(password)
        let now = clock.now()
        try await store.pool.write { db in
            for (account, invoiceAccount) in [("T-ORG", nil), ("T-MEM", "T-ORG"), ("T-SOLO", nil), ("T-MATE", nil)]
                as [(String, String?)]
            {
                try ChannelCustomer(
                    account: account, name: "Customer \(account)", email: "\(account)@shop.example", currency: "EUR",
                    invoiceAccount: invoiceAccount, allowOnAccount: true, creditLimitMinor: 1_000_000, hqChangedAt: now
                ).insert(db)
            }
            try ChannelUser(login: "mem", customerAccount: "T-MEM", displayName: "Mia Member", email: "mem@shop.example").insert(db)
            try ChannelUser(login: "solo", customerAccount: "T-SOLO", displayName: "Sol Solo", email: "solo@shop.example").insert(db)
            try ChannelUser(login: "mate", customerAccount: "T-MATE", displayName: "Max Mate", email: "mate@shop.example").insert(db)
            for login in ["mem", "solo", "mate"] { try ChannelCredential(login: login, passwordHash: hash, updatedAt: now).insert(db) }
            func invoice(_ number: String, _ account: String, due: Int, settled: Int64 = 0, discount: Int64 = 0) throws {
                try ChannelInvoice(
                    number: number, customerAccount: account, invoiceDate: today.adding(days: -10), dueDate: today.adding(days: due),
                    discountLastDay: discount > 0 ? today.adding(days: 5) : nil, discountMinor: discount, currency: .EUR,
                    totalMinor: 10_000, settledMinor: settled, discountTakenMinor: 0,
                    status: settled == 10_000 ? .paid : settled > 0 ? .partiallyPaid : .unpaid, hqChangedAt: now
                ).insert(db)
            }
            for i in 1...70 {
                switch kind(i) {
                case .paid: try invoice(number("T-MEM", i), "T-MEM", due: -3, settled: 10_000)
                case .partiallyPaid: try invoice(number("T-MEM", i), "T-MEM", due: 20, settled: 2_500)
                case .overdue: try invoice(number("T-MEM", i), "T-MEM", due: -3)
                case .unpaid: try invoice(number("T-MEM", i), "T-MEM", due: 20)
                }
            }
            try invoice("T-MEM-DISC", "T-MEM", due: 25, discount: 200)
            for i in 1...40 { try invoice(number("T-ORG", i), "T-ORG", due: 30) }
            for i in 1...5 { try invoice(number("T-SOLO", i), "T-SOLO", due: 10) }
            for i in 1...3 { try invoice(number("T-MATE", i), "T-MATE", due: 15) }
        }
        try await body(PortalWorld(directory: directory, store: store, clock: clock))
    }

    /// Every invoice of the shop.
    var allInvoices: Set<String> {
        memInvoices.union((1...5).map { Self.number("T-SOLO", $0) }).union((1...3).map { Self.number("T-MATE", $0) })
    }

    /// What each user may reach: their own account's invoices and their invoice account's.
    func reachable(by login: String) -> Set<String> {
        switch login {
        case "mem": return memInvoices
        case "solo": return Set((1...5).map { Self.number("T-SOLO", $0) })
        case "mate": return Set((1...3).map { Self.number("T-MATE", $0) })
        default: return []
        }
    }

    /// What `mem` may see: their own invoices and the invoice account's.
    var memInvoices: Set<String> {
        Set((1...70).map { Self.number("T-MEM", $0) } + ["T-MEM-DISC"] + (1...40).map { Self.number("T-ORG", $0) })
    }

    func settings(_ adjust: (inout PortalSettings) -> Void = { _ in }) -> PortalSettings {
        var settings = PortalSettings()
        adjust(&settings)
        return settings
    }

    /// Runs `test` against the portal in process (Hummingbird's router test client, no sockets).
    func test(
        settings: PortalSettings = PortalSettings(), channel: (any PortalChannelStore)? = nil,
        _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let topology = try Topology.load(from: repositoryRoot.appendingPathComponent("Topology"))
        let app = try await buildPortal(
            settings,
            PortalDependencies(
                channel: channel ?? store, publisher: publisher, producer: Producer(topology: topology, clock: clock),
                passwordHasher: try PasswordHasher(cost: PasswordHasher.demoCost), clock: clock, logger: quietLogger))
        try await app.test(.router) { client in try await test(client) }
    }
}

extension Browser {
    /// Signs in with the shop's demo password.
    @discardableResult
    func signIn(_ login: String) async throws -> TestResponse { try await signIn(login, PortalWorld.password) }
}
