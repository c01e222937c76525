import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitCore
import RemitMessages
import RemitPortal
import RemitSQLite
import RemitStore
import RemitTestSupport
import Synchronization
import Testing

/// Issue #8: the portal in a real browser. Headless Chromium, driven through Selenium by
/// `scripts/testing/portal_journey.py`, against the portal on a loopback port, the real broker, the
/// storefront's workers, e-mail dispatch to a real SMTP server, and HQ's jobs running round after
/// round meanwhile — then the books are checked in the stores.
@Suite("The portal in a real browser", .serialized)
struct BrowserJourneyTests {
    /// The screenshots: `$REMIT_TEST_OUTPUT/browser`, else `.build/test-output/browser` (git-ignored).
    static var outputDirectory: URL {
        let root =
            ProcessInfo.processInfo.environment["REMIT_TEST_OUTPUT"].map { URL(fileURLWithPath: $0) }
            ?? repositoryRoot.appendingPathComponent(".build/test-output")
        return root.appendingPathComponent("browser")
    }

    static let script = repositoryRoot.appendingPathComponent("scripts/testing/portal_journey.py")

    /// What the journey needs on the machine and is missing, each with how to install it.
    static func missingTools() -> [String] {
        var missing: [String] = []
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") {
            missing.append("/usr/bin/chromium (apt-get install chromium)")
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") {
            missing.append("/usr/bin/chromedriver (apt-get install chromium-driver)")
        }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", "import selenium"]
        python.standardOutput = FileHandle.nullDevice
        python.standardError = FileHandle.nullDevice
        if (try? python.run()) == nil {
            missing.append("python3")
        } else {
            python.waitUntilExit()
            if python.terminationStatus != 0 { missing.append("Selenium for python3 (python3 -m pip install selenium)") }
        }
        return missing
    }

    @Test func aBuyerFiltersPaysPartOfOneInvoiceRequestsACopyOfAnotherAndSeesItCompletedInChromium() async throws {
        let missing = Self.missingTools()
        try #require(
            missing.isEmpty,
            "the browser test needs \(missing.joined(separator: ", ")); scripts/test installs them (scripts/lib.sh)")
        let output = Self.outputDirectory
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let part = Shop.euros(7_345)

        try await EmailDispatchTests.with { world, smtp in
            let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash("remit-demo")
            try await world.channel.pool.write {
                try ChannelCredential(login: "mem", passwordHash: hash, updatedAt: world.clock.now()).insert($0)
            }
            // A long invoice number and a large amount, as real shops have them: the Invoices page
            // must still fit 1280 and 1024 px (issue #22; the journey measures it).
            let long = "T-ORG-2026-11-PURCHASE-ORDER-4711-0815-REPLACEMENT-PARTS-WAREHOUSE-NORTH"
            world.clock.advance(by: 1)  // after the last distribution's cursor, so the next one sends it
            try await world.hq.pool.write { db in
                try HQInvoice(
                    number: long, customerAccount: "T-ORG", invoiceDate: HQWorld.today.adding(days: -5),
                    dueDate: HQWorld.today.adding(days: 40), discountLastDay: HQWorld.today.adding(days: 5), discountMinor: 2_535,
                    currency: .EUR, totalMinor: 126_726, changedAt: world.clock.now()
                ).insert(db)
            }
            try await world.distribute(until: "the channel has the long invoice") { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM channel_invoice WHERE number = ?", arguments: [long]) == 1
            }
            let app = try await PortalFlowTests().portal(
                channel: world.channel, amqp: world.broker.amqp, topology: world.broker.topology, clock: world.clock)
            // `.live` serves the portal on a free loopback port (bound as "localhost") for the test's duration.
            let (status, log, rounds) = try await app.test(.live) { client in
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                let port = try #require(client.port)
                let hq = HQRounds(world)
                let rounds = Task { try await hq.run() }
                defer { hq.stop() }
                let (status, log) = try await RemitProcess.run(
                    [
                        "python3", Self.script.path, "--base-url", "http://localhost:\(port)", "--login", "mem", "--password", "remit-demo",
                        "--pay-invoice", "T-MEM-1", "--pay-amount", part.decimalString, "--request-invoice", "T-ORG-1",
                        "--out", output.path, "--timeout", "60", "--total-timeout", "240",
                    ], broker: world.broker, timeout: .seconds(300), executable: URL(fileURLWithPath: "/usr/bin/env"))
                hq.stop()
                return (status, log, try await rounds.value)
            }
            try Data(log.utf8).write(to: output.appendingPathComponent("journey.log"))
            try #require(
                status == 0, "the browser journey failed (exit \(status.map(String.init) ?? "killed: timed out")); \(output.path):\n\(log)")
            #expect(rounds > 0, "HQ's jobs ran while the browser worked")

            // The part payment: one, of exactly the amount typed, on account, settled by HQ.
            let payments = try await world.channel.pool.read {
                try ChannelTransaction.filter(ChannelTransaction.Columns.invoiceNumber == "T-MEM-1").fetchAll($0)
            }
            #expect(payments.map(\.amount) == [part] && payments.map(\.kind) == [.invoicePayment], "\(payments)")
            #expect(payments.first?.tender == Tender.onAccount.rawValue && payments.first?.userLogin == "mem")
            #expect(try await world.hqCount("SELECT COUNT(*) FROM settlement WHERE invoice_number = 'T-MEM-1'") == 1)
            #expect(try await world.hqCount("SELECT SUM(settled_minor) FROM settlement WHERE invoice_number = 'T-MEM-1'") == 7_345)
            let invoice = try await world.channel.pool.read {
                try String.fetchOne($0, sql: "SELECT status || ' ' || settled_minor FROM channel_invoice WHERE number = 'T-MEM-1'")
            }
            #expect(invoice == "partially-paid 7345", "the channel shows what HQ settled")
            #expect(try await world.channelInt("SELECT COUNT(*) FROM channel_transaction") == 1, "nothing else was paid or ordered")

            // The copy request: completed, and exactly one e-mail, to the buyer, with that invoice.
            let requests = try await world.channel.pool.read {
                try String.fetchAll($0, sql: "SELECT invoice_number || ' ' || status FROM b2b_request WHERE user_login = 'mem'")
            }
            #expect(requests == ["T-ORG-1 completed"])
            let mails = try smtp.receivedMessages()
            #expect(mails.count == 1)
            let mail = try ParsedMail.parse(try #require(mails.first))
            #expect(mail.to.contains("mem@shop.example") && mail.subject.contains("T-ORG-1"), "\(mail.to): \(mail.subject)")

            // A screenshot of every step, PNG, the Invoices page also at a phone's width.
            let shots = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }.sorted()
            #expect(shots.count >= 13 && shots.contains { $0.hasSuffix("invoices-unpaid-phone.png") }, "\(shots)")
            for shot in shots {
                let data = try Data(contentsOf: output.appendingPathComponent(shot))
                #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 1_000, "\(shot) is a PNG")
            }
        }
    }
}

/// HQ's jobs round after round while the browser works, as the scheduler of `remit run` runs them
/// (every 30 s there; here every second), the standing clock moved on before each.
final class HQRounds: Sendable {
    private let world: HQWorld
    private let stopped = Atomic<Bool>(false)

    init(_ world: HQWorld) { self.world = world }

    /// Runs rounds until `stop()`; returns how many ran. The round under way when stopped finishes:
    /// a job cut short would leave its run unrecorded.
    func run() async throws -> Int {
        var count = 0
        while !stopped.load(ordering: .relaxed) {
            try await world.runHQ("P-0001", "Synchronize orders and channel requests", "Distribution")
            count += 1
            try await Task.sleep(for: .seconds(1))
        }
        return count
    }

    func stop() { stopped.store(true, ordering: .relaxed) }
}
