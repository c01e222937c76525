import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitPortal
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// The portal against the real broker and the storefront's workers: a click is published with
/// confirms, a worker applies it, and the page turns from pending to the outcome.
@Suite("The portal against a real broker and the workers", .serialized)
struct PortalFlowTests {
    func portal(
        channel: ChannelStore, amqp: AMQPConfiguration, topology: Topology, clock: any WallClock
    ) async throws -> some ApplicationProtocol {
        try await buildPortal(
            PortalSettings(),
            PortalDependencies(
                channel: channel, publisher: BrokerCommandPublisher(amqp: amqp, logger: testLogger),
                producer: Producer(topology: topology, clock: clock), passwordHasher: try PasswordHasher(cost: PasswordHasher.demoCost),
                clock: clock, logger: testLogger))
    }

    /// Follows a command's page until it no longer says pending; returns the last page.
    func outcomePage(_ browser: Browser, _ location: String) async throws -> String {
        var html = ""
        try await expectEventually("the command's page shows its outcome", timeout: .seconds(30)) {
            html = try await browser.get(location).html
            return !html.contains("waiting for the shop")
        }
        return html
    }

    @Test func aBuyerPaysAndRequestsThroughThePortalAndSeesTheWorkersOutcomes() async throws {
        try await HQWorld.with(storefront: HQWorld.storefrontKinds) { world in
            try await Shop.add(to: world)
            let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash("remit-demo")
            try await world.channel.pool.write {
                try ChannelCredential(login: "mem", passwordHash: hash, updatedAt: world.clock.now()).insert($0)
            }
            let app = try await portal(channel: world.channel, amqp: world.broker.amqp, topology: world.broker.topology, clock: world.clock)
            try await app.test(.router) { client in
                #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                let browser = Browser(client)
                #expect(try await browser.signIn("mem", "remit-demo").status == .seeOther)
                let invoices = try await browser.get("/invoices?status=unpaid")
                #expect(invoices.html.invoiceRows.contains("T-ORG-1") && invoices.html.invoiceRows.contains("T-MEM-1"))
                let token = try #require(invoices.html.firstCSRFToken)

                let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-1"), ("amount", "50.00")])
                let payPage = try await outcomePage(browser, try #require(pay.location))
                #expect(payPage.contains("Accepted. The invoice is in your cart"), "\(payPage)")
                #expect(try await world.cartLines("mem").map(\.amount) == [Shop.euros(5_000)], "the worker, not the portal, wrote the line")

                // A refusal the channel store already shows is the portal's, at once, and nothing is published.
                let twice = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-MEM-1"), ("amount", "1.00")])
                #expect(twice.status == .conflict && twice.html.contains("Invoice T-MEM-1 is already in your cart"))
                // The worker's own refusal reaches the command's page with its reason.
                let line = try #require(try await world.cartLines("mem").first)
                let over = try await browser.post("/cart/lines/update", [("csrf", token), ("line", line.id), ("amount", "500.00")])
                let overPage = try await outcomePage(browser, try #require(over.location))
                #expect(
                    overPage.contains("Refused: The amount is more than the 200.00 EUR still open") && !overPage.contains("500.00"),
                    "the worker's reason names what is open, not the amount typed: \(overPage)")

                let request = try await browser.post("/requests", [("csrf", token), ("invoice", "T-ORG-1")])
                let requestPage = try await outcomePage(browser, try #require(request.location))
                #expect(requestPage.contains("Accepted. Your request is recorded"))
                let requests = try await browser.get("/requests")
                #expect(requests.html.contains("T-ORG-1") && requests.html.contains("<td>submitted</td>"))

                // Another customer's invoice: not found, and nothing reaches the broker.
                let foreign = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "T-SOLO-1")])
                #expect(foreign.status == .notFound)
            }
            #expect(
                try await world.channelInt("SELECT COUNT(*) FROM command_outcome") == 3,
                "three commands published: none for the refused duplicate, none for T-SOLO-1")
        }
    }

    @Test func withoutABrokerHealthIs503AndAClickIsNotClaimedSent() async throws {
        try await TestBroker.with(apply: false) { broker in
            let clock = ManualWallClock(Date())
            let channel = try broker.channelStore()
            let hash = try await PasswordHasher(cost: PasswordHasher.demoCost).hash("remit-demo")
            try await channel.pool.write { db in
                try ChannelCustomer(
                    account: "C-1", name: "C", email: "c@shop.example", currency: "EUR", invoiceAccount: nil, allowOnAccount: true,
                    creditLimitMinor: 0, hqChangedAt: clock.now()
                ).insert(db)
                try ChannelUser(login: "u1", customerAccount: "C-1", displayName: "U One", email: "u1@shop.example").insert(db)
                try ChannelCredential(login: "u1", passwordHash: hash, updatedAt: clock.now()).insert(db)
                try ChannelInvoice(
                    number: "C-1-1", customerAccount: "C-1", invoiceDate: CalendarDate(clock.now()), dueDate: CalendarDate(clock.now()),
                    discountLastDay: nil, discountMinor: 0, currency: .EUR, totalMinor: 1_000, settledMinor: 0, discountTakenMinor: 0,
                    status: .unpaid, hqChangedAt: clock.now()
                ).insert(db)
            }
            // Nothing listens on port 1: every connection attempt is refused at once.
            var nowhere = broker.amqp
            nowhere.port = 1
            let app = try await portal(channel: channel, amqp: nowhere, topology: broker.topology, clock: clock)
            try await app.test(.router) { client in
                let health = try await client.execute(uri: "/health", method: .get)
                #expect(health.status == .serviceUnavailable && String(buffer: health.body).contains("broker: unavailable"))
                let browser = Browser(client)
                try await browser.signIn("u1", "remit-demo")
                let token = try #require(try await browser.get("/invoices").html.firstCSRFToken)
                let pay = try await browser.post("/cart/invoices", [("csrf", token), ("invoice", "C-1-1")])
                #expect(pay.status == .serviceUnavailable && pay.html.contains("please try again"))
            }
        }
    }
}
