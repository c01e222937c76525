import Foundation
import GRDB
import Logging
import RemitAMQP
import RemitApp
import RemitWorkers
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitRuntime
@testable import RemitSQLite
import RemitStore

/// What the storefront's commands send on, at the extremes of what the channel holds: carts of many
/// invoices whose numbers and the buyer's login are as long as the schemas allow, the largest
/// amounts, each line paying all or part of what is open. Cart validation runs in the real batch
/// step on a real SQLite file; every `payment.post` it sends and every answer passes its schema and
/// decodes as payment posting and the producer will read it, one per line, for the line's amount.
@Suite("What cart validation sends, payment posting accepts")
struct CheckoutSendsTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 29)!
    let now = Date(timeIntervalSince1970: Double(Self.today.daysSinceEpoch) * 86_400 + 43_200)

    func delivery<Body: MessageBody>(_ body: Body, id: String, user: String, tag: Int) throws -> Delivery {
        let envelope = Envelope(id: id, correlationId: id, occurredAt: now, actingUser: "user:\(user)", body: body)
        return Delivery(
            deliveryTag: UInt64(tag), redelivered: false, exchange: "remit", routingKey: Body.messageType, consumerTag: "test",
            body: Array(try MessageCoding.encoder().encode(envelope)),
            properties: AMQPProperties(correlationId: "producer-\(tag)", replyTo: "producer.replies"))
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func aCheckoutAtTheExtremesSendsOnlyPaymentPostsAndAnswersTheirReadersAccept(_ seed: UInt64) async throws {
        let topology = try Topology.load(from: repositoryTopology)
        let check = FollowUpCheck(topology: topology)
        var random = SeededRandom(seed: seed)
        let lines = [1, 40, 150][Int(seed - 1) % 3]
        let largest: Int64 = 9_999_999_999_999_999
        try await StoreDirectory.with { directory in
            let channel = try directory.channel
            let account = String(repeating: "A", count: 60) + "-\(seed)"
            let login = String(repeating: "ü", count: 120) + "-\(seed)"
            // The invoices: (number, total, settled, the amount the line asks for: nil pays all that is open).
            var invoices: [(number: String, total: Int64, settled: Int64, asked: Money?)] = []
            for index in 0..<lines {
                let total = index % 2 == 0 ? largest : Int64.random(in: 2...largest, using: &random)
                let settled = index % 3 == 0 ? Int64.random(in: 0..<(total - 1), using: &random) : 0
                // Every other line pays part of what is open; the rest pay all of it.
                let asked =
                    index % 2 == 1 ? Money(minorUnits: Int64.random(in: 1...(total - settled), using: &random), currency: .EUR) : nil
                invoices.append((String(repeating: "9", count: 120) + "-\(index)", total, settled, asked))
            }
            let world = invoices
            try await channel.pool.write { db in
                try ChannelCustomer(
                    account: account, name: String(repeating: "Ĳ", count: 200), email: "c@shop.example", currency: "EUR",
                    invoiceAccount: nil, allowOnAccount: true, creditLimitMinor: largest, hqChangedAt: now
                ).insert(db)
                try ChannelUser(login: login, customerAccount: account, displayName: "Zoë", email: "z@shop.example").insert(db)
                for invoice in world {
                    try ChannelInvoice(
                        number: invoice.number, customerAccount: account, invoiceDate: Self.today, dueDate: Self.today,
                        discountLastDay: nil, discountMinor: 0, currency: .EUR, totalMinor: invoice.total, settledMinor: invoice.settled,
                        discountTakenMinor: 0, status: invoice.settled > 0 ? .partiallyPaid : .unpaid, hqChangedAt: now
                    ).insert(db)
                }
            }
            let amounts = Dictionary(uniqueKeysWithValues: invoices.map { ($0.number, $0.asked) })
            let kind = try topology.kind(named: "cart-validation")
            var settings = WorkerRuntime.Settings(consumers: 1, prefetch: 500)
            settings.storePause = Backoff(initial: .milliseconds(1), maximum: .seconds(10))
            let runtime = WorkerRuntime(
                kind: kind, topology: topology, amqp: AMQPConfiguration(),
                handler: try WorkerKinds.handler(
                    for: kind.name, dependencies: WorkerDependencies(dataDirectory: directory.path, logger: Logger(label: "test"))),
                store: channel, clock: ManualWallClock(now), settings: settings, logger: Logger(label: "test"))
            var deliveries: [Delivery] = []
            for (number, amount) in amounts.sorted(by: { $0.key < $1.key }) {
                deliveries.append(
                    try delivery(
                        CartAddInvoice(user: login, invoiceNumber: number, amount: amount), id: "add-\(seed)-\(deliveries.count)",
                        user: login, tag: deliveries.count + 1))
            }
            let added = try #require(await runtime.prepare(deliveries))
            #expect(added.applied == lines)
            let checkout = try delivery(
                CartCheckout(user: login, tender: .card, cardAuthorization: "psp-\(seed)"), id: "checkout-\(seed)", user: login, tag: 1)
            let settled = try #require(await runtime.prepare([checkout]))
            #expect(settled.applied == 1 && settled.failed == 0)

            var posts: [PaymentPost] = []
            var answers = 0
            for sent in settled.publishes + added.publishes {
                let type = sent.properties.type ?? sent.routingKey
                let message = OutgoingMessage(
                    type: type, messageId: sent.properties.messageId ?? "", correlationId: "c", body: Data(sent.body))
                #expect(check.problems(of: message) == [], "cart validation sent \(type)")
                let decoded = try DecodedEnvelope.decode(Data(sent.body), bodyTypes: .remit)
                if case .decoded(let body) = decoded.body {
                    if let post = body as? PaymentPost { posts.append(post) }
                    if let reply = body as? CommandReply {
                        answers += 1
                        #expect(reply.outcome == .accepted, "\(reply.reason ?? "")")
                    }
                }
            }
            #expect(answers == lines + 1, "every command was answered")
            #expect(posts.count == lines, "one payment per line")
            #expect(Set(posts.map(\.paymentId)).count == lines)
            for post in posts {
                if let asked = amounts[post.invoiceNumber] ?? nil { #expect(post.amount == asked, "the line pays what was asked") }
            }
        }
    }
}
