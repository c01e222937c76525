import Foundation
import GRDB
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitTestSupport
import Testing

/// Who reaches which invoice through the workers (issue #11), over generated shops: for every user
/// of the shop and every invoice in it, the storefront's commands as producers send them —
/// `cart.add-invoice`, `invoice.pay`, `payment.post` and `invoice.request` — go through the real
/// broker to the real cart-validation, payment-posting and invoice-requests workers. An invoice the
/// user may not reach is refused as "not found", the same answer as for one that does not exist,
/// and leaves no payment, request or cart line; every one they may reach gets past that check.
@Suite("The storefront's workers: who reaches which invoice, over generated shops", .serialized)
struct HandlerAccessPropertyTests {
    static let commands = ["cart.add-invoice", "invoice.pay", "payment.post", "invoice.request"]

    @Test(arguments: [UInt64(11), 12, 13])
    func everyUserReachesExactlyTheirOwnAndTheirInvoiceAccountsInvoicesThroughTheWorkers(seed: UInt64) async throws {
        let shop = GeneratedShop.generate(seed: seed)
        try await HQWorld.with(customers: 2, invoices: 4, storefront: HQWorld.storefrontKinds) { world in
            let now = world.clock.now()
            try await world.channel.pool.write { try shop.insert(into: $0, now: now, today: HQWorld.today) }
            let producer = Producer(topology: world.broker.topology, clock: world.clock)
            let amount = Money(minorUnits: 100, currency: .EUR)
            var outbound: [OutboundMessage] = []
            var sent: [(id: String, command: String, user: String, invoice: String)] = []
            for user in shop.users {
                for invoice in shop.invoices {
                    for command in Self.commands {
                        let id = "acc-\(seed)-\(sent.count)"
                        let (body, actingUser): (JSONValue, String) =
                            switch command {
                            case "cart.add-invoice":
                                (try Self.json(CartAddInvoice(user: user.login, invoiceNumber: invoice.number)), "user:\(user.login)")
                            case "invoice.pay":
                                (
                                    try Self.json(
                                        InvoicePay(
                                            user: user.login, invoiceNumber: invoice.number, amount: amount, tender: .card,
                                            cardAuthorization: "psp-\(id)", idempotencyKey: id)), "system:erp"
                                )
                            case "payment.post":
                                (
                                    try Self.json(
                                        PaymentPost(
                                            paymentId: "pay-\(id)", user: user.login, invoiceNumber: invoice.number, amount: amount,
                                            tender: .card, cardAuthorization: "psp-\(id)")), "user:\(user.login)"
                                )
                            default:
                                (try Self.json(InvoiceRequest(user: user.login, invoiceNumber: invoice.number)), "user:\(user.login)")
                            }
                        outbound.append(try producer.prepare(type: command, body: body, actingUser: actingUser, messageId: id).outbound)
                        sent.append((id, command, user.login, invoice.number))
                    }
                }
            }
            try await world.broker.withConnection { try await $0.publish(outbound) }
            try await expectEventually("every command has its outcome", timeout: .seconds(240)) {
                try await world.channelInt("SELECT COUNT(*) FROM command_outcome WHERE message_id LIKE ?", ["acc-\(seed)-%"])
                    == Int64(sent.count)
            }
            let outcomes = try await world.channel.pool.read { db in
                try Dictionary(
                    uniqueKeysWithValues: Row.fetchAll(
                        db, sql: "SELECT message_id, outcome, code FROM command_outcome WHERE message_id LIKE ?",
                        arguments: ["acc-\(seed)-%"]
                    ).map { row -> (String, (String, String?)) in (row["message_id"], (row["outcome"], row["code"])) })
            }

            var accepted: [String: Int] = [:]
            for user in shop.users {
                let expected = shop.reachable(by: user.login)
                for command in Self.commands {
                    let mine = sent.filter { $0.user == user.login && $0.command == command }
                    let found = Set(mine.filter { outcomes[$0.id]?.1 != "invoice-not-found" }.map(\.invoice))
                    #expect(found == expected, "\(user.login) \(command): reached \(found.sorted()), expected \(expected.sorted())")
                    for item in mine where !expected.contains(item.invoice) {
                        #expect(outcomes[item.id]?.0 == "refused", "\(item.id) \(command) on \(item.invoice) by \(user.login)")
                    }
                    accepted[command, default: 0] += mine.filter { outcomes[$0.id]?.0 == "accepted" }.count
                }
                // Nothing of theirs on any invoice they may not reach.
                let strangers = Array(Set(shop.invoices.map(\.number)).subtracting(expected))
                let left = try await world.channel.pool.read { db -> Int in
                    guard !strangers.isEmpty else { return 0 }
                    let marks = databaseQuestionMarks(count: strangers.count)
                    let arguments = StatementArguments([user.login] + strangers)
                    return try [
                        "SELECT COUNT(*) FROM channel_transaction WHERE user_login = ? AND invoice_number IN (\(marks))",
                        "SELECT COUNT(*) FROM b2b_request WHERE user_login = ? AND invoice_number IN (\(marks))",
                        "SELECT COUNT(*) FROM cart_line l JOIN cart c ON c.id = l.cart_id WHERE c.user_login = ? AND l.invoice_number IN (\(marks))",
                    ].reduce(0) { total, sql in try total + (Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0) }
                }
                #expect(left == 0, "\(user.login) left \(left) payments, requests or cart lines on invoices not theirs")
            }
            // The property is not vacuous: each command was accepted for some reachable invoice.
            for command in Self.commands { #expect(accepted[command, default: 0] > 0, "\(command) accepted somewhere") }
        }
    }

    static func json<Body: MessageBody>(_ body: Body) throws -> JSONValue {
        try JSONValue.parse(try MessageCoding.shared.encode(body))
    }
}
