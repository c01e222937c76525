import Foundation
import RemitCore
import RemitMessages
import RemitStore
import Testing

/// Two hosts' worker processes of each storefront kind (cart validation, payment posting) sharing
/// the channel store on PostgreSQL and the broker's queues: commands that race — two cart adds of
/// one invoice, two checkouts of one invoice, on-account payments against one credit limit — keep
/// every rule exactly as on SQLite's single writer, and a host killed mid-stream loses nothing and
/// applies nothing twice. A serialisation failure or deadlock between the hosts is the workers' own
/// business: retried without spending any message's attempts, never dead-lettered.
@Suite("Two worker processes per kind racing on the channel store in PostgreSQL", .serialized)
struct ScaleOutRaceTests {
    static let kinds = ["cart-validation", "payment-posting"]

    @Test(.timeLimit(.minutes(3)))
    func racingCommandsFromTwoHostsKeepEveryRuleAndAKilledHostLosesNothing() async throws {
        try await ScaleOutWorld.with { world in
            let begun = ContinuousClock.now
            try await world.seed(ScaleOutShop.add(to:at:)) { try ScaleOutShop.distributed(world) }
            print("ScaleOutRaceTests: shop seeded and distributed after \(ContinuousClock.now - begun)")
            let hostA = try world.startHost("host-a", kinds: Self.kinds)
            let hostB = try world.startHost("host-b", kinds: Self.kinds)
            defer {
                hostA.signal(SIGKILL)
                hostB.signal(SIGKILL)
            }
            let kinds = try Self.kinds.map { try world.broker.topology.kind(named: $0) }
            let started = ContinuousClock.now
            for kind in kinds {
                try await expectEventually("both hosts consume \(kind.queue)", timeout: .seconds(30)) {
                    try await world.consumers(kind.queue) == 2
                }
            }
            print("ScaleOutRaceTests: hosts consuming after \(ContinuousClock.now - started)")

            try await timed("cart adds") { try await cartAddsOfOneInvoiceAtOnce(world) }
            try await timed("checkouts") { try await checkoutsOfOneInvoiceAtOnce(world) }
            try await timed("credit limit") { try await onAccountPaymentsAgainstOneCreditLimit(world) }
            try await timed("copies") { try await copiesOfOneMessageAtBothHosts(world) }
            try await timed("kill") { try await aHostKilledMidStream(world, kill: hostA) }

            for kind in kinds {
                #expect(try await world.broker.readyCount(kind.deadLetterQueue) == 0, "nothing of \(kind.name) was dead-lettered")
                for queue in kind.retryQueues {
                    #expect(try await world.broker.readyCount(queue) == 0, "no \(kind.name) message is waiting to be retried")
                }
            }
            let outputs = [hostA.output, hostB.output]
            for (host, output) in zip(["A", "B"], outputs) {
                for code in ["invoice-in-cart", "payment-pending", "credit-exceeded"] {
                    #expect(output.contains("code=\(code)"), "host \(host) took part in the races that end in \(code)")
                }
            }
            for output in outputs {
                #expect(!output.contains("message will be retried"), "no attempt was spent:\n\(output.suffix(3000))")
                #expect(!output.contains("message dead-lettered"), "\(output.suffix(3000))")
            }
            // The hosts' transactions met: PostgreSQL broke deadlocks (the crossing payments are built
            // to make them; a run without any would no longer test this), and the workers retried
            // them as their own business — the checks above show no attempt spent, nothing dead-lettered.
            let pauses = outputs.joined().split(separator: "\n").filter { $0.contains("store unavailable") }.count
            var deadlocks = 0
            try await expectEventually("the crossing payments made the hosts' transactions deadlock", timeout: .seconds(10)) {
                deadlocks = try world.count("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
                return deadlocks > 0
            }
            print("ScaleOutRaceTests: deadlocks \(deadlocks), store pauses \(pauses); none spent an attempt")
            hostB.signal(SIGTERM)
            #expect(await hostB.waitForExit() == 0, "\(hostB.output.suffix(2000))")
        }
    }

    /// Runs one phase, printing how long it took (the suite must stay quick enough for CI).
    func timed(_ phase: String, _ body: () async throws -> Void) async throws {
        let started = ContinuousClock.now
        try await body()
        print("ScaleOutRaceTests: \(phase) took \(ContinuousClock.now - started)")
    }

    /// Each user adds their invoice twice at once (one delivery to each host): one line, one cart,
    /// the other add refused `invoice-in-cart`.
    func cartAddsOfOneInvoiceAtOnce(_ world: ScaleOutWorld) async throws {
        let pairs = ScaleOutShop.pairs
        var commands: [ScaleOutWorld.Command] = []
        for pair in 0..<pairs {
            for user in ["ra\(pair)", "rb\(pair)"] {
                let add = try ScaleOutWorld.Command(CartAddInvoice(user: user, invoiceNumber: "R-INV-\(pair)"), as: "user:\(user)")
                commands += [add, add]
            }
        }
        try await world.publish(commands, correlationId: "adds")
        try await expectEventually("every add has its outcome", timeout: .seconds(40)) {
            try world.outcomes("adds") == commands.count
        }
        #expect(try world.outcomes("adds", where: "outcome = 'accepted'") == 2 * pairs)
        #expect(try world.outcomes("adds", where: "outcome = 'refused' AND code = 'invoice-in-cart'") == 2 * pairs)
        #expect(
            try world.count(
                """
                SELECT COUNT(*) FROM (SELECT user_login FROM remit_channel.command_outcome WHERE correlation_id = 'adds'
                    AND outcome = 'accepted' GROUP BY user_login HAVING COUNT(*) = 1) AS once
                """) == 2 * pairs, "one add accepted for every user")
        #expect(try world.count("SELECT COUNT(*) FROM remit_channel.cart WHERE status = 'open'") == 2 * pairs, "one cart per user")
        #expect(
            try world.count(
                """
                SELECT COUNT(*) FROM remit_channel.cart_line l JOIN remit_channel.cart c ON c.id = l.cart_id
                WHERE c.status = 'open' AND l.invoice_number = 'R-INV-' || substring(c.user_login FROM 3)
                """) == 2 * pairs, "each cart holds its invoice once")
        #expect(try world.count("SELECT COUNT(*) FROM remit_channel.cart_line") == 2 * pairs)
        #expect(try world.count("SELECT COUNT(*) FROM remit_channel.inbox WHERE correlation_id = 'adds'") == commands.count)
    }

    /// Both users of each pair check out their cart — the invoice's whole open amount — at once:
    /// exactly one payment per invoice; the other refused `payment-pending` (at checkout, or when
    /// its payment is posted); never more paid than was open. Adding the invoice again afterwards
    /// is refused `payment-pending` for both.
    func checkoutsOfOneInvoiceAtOnce(_ world: ScaleOutWorld) async throws {
        let pairs = ScaleOutShop.pairs
        var commands: [ScaleOutWorld.Command] = []
        for pair in 0..<pairs {
            for user in ["ra\(pair)", "rb\(pair)"] {
                commands.append(
                    try .init(CartCheckout(user: user, tender: .card, cardAuthorization: "auth-\(user)"), as: "user:\(user)"))
            }
        }
        try await world.publish(commands, correlationId: "checkouts")
        try await expectEventually("every checkout and every payment it posted has its outcome", timeout: .seconds(40)) {
            let accepted = try world.outcomes("checkouts", where: "type = 'cart.checkout' AND outcome = 'accepted'")
            return try world.outcomes("checkouts", where: "type = 'cart.checkout'") == commands.count
                && world.outcomes("checkouts", where: "type = 'payment.post'") == accepted
        }
        let payments = "remit_channel.channel_transaction WHERE invoice_number LIKE 'R-INV-%'"
        #expect(try world.count("SELECT COUNT(*) FROM \(payments)") == pairs, "one payment per invoice")
        #expect(try world.count("SELECT COUNT(DISTINCT invoice_number) FROM \(payments)") == pairs)
        #expect(try world.outcomes("checkouts", where: "type = 'payment.post' AND outcome = 'accepted'") == pairs)
        #expect(try world.outcomes("checkouts", where: "outcome = 'refused'") == pairs, "one refusal per pair")
        #expect(try world.outcomes("checkouts", where: "outcome = 'refused' AND code = 'payment-pending'") == pairs)
        #expect(
            try world.count(
                """
                SELECT COUNT(*) FROM remit_channel.channel_transaction t JOIN remit_channel.channel_invoice i ON i.number = t.invoice_number
                WHERE t.invoice_number LIKE 'R-INV-%' AND t.amount_minor <> i.total_minor - i.settled_minor
                """) == 0, "each payment is the invoice's whole open amount, so never more than was open")

        var again: [ScaleOutWorld.Command] = []
        for pair in 0..<pairs {
            for user in ["ra\(pair)", "rb\(pair)"] {
                again.append(try .init(CartAddInvoice(user: user, invoiceNumber: "R-INV-\(pair)"), as: "user:\(user)"))
            }
        }
        try await world.publish(again, correlationId: "re-adds")
        try await expectEventually("every add after the payments has its outcome", timeout: .seconds(40)) {
            try world.outcomes("re-adds") == again.count
        }
        #expect(try world.outcomes("re-adds", where: "outcome = 'refused' AND code = 'payment-pending'") == again.count)
    }

    /// Both users of one organisation pay its invoices on account at once, one delivery to each host:
    /// exactly as many are accepted as the credit limit has room for, the rest refused
    /// `credit-exceeded`.
    func onAccountPaymentsAgainstOneCreditLimit(_ world: ScaleOutWorld) async throws {
        let commands = try (0..<ScaleOutShop.creditInvoices).map { number in
            let user = number.isMultiple(of: 2) ? "lo" : "lm"
            return try ScaleOutWorld.Command(
                InvoicePay(
                    user: user, invoiceNumber: "L-INV-\(number)", amount: Money(minorUnits: 1_000, currency: .EUR), tender: .onAccount,
                    cardAuthorization: nil, idempotencyKey: "credit-\(number)"),
                as: "system:erp")
        }
        try await world.publish(commands, correlationId: "credit")
        try await expectEventually("every on-account payment has its outcome", timeout: .seconds(40)) {
            try world.outcomes("credit") == commands.count
        }
        #expect(try world.outcomes("credit", where: "outcome = 'accepted'") == ScaleOutShop.creditRoom)
        #expect(
            try world.outcomes("credit", where: "outcome = 'refused' AND code = 'credit-exceeded'")
                == ScaleOutShop.creditInvoices - ScaleOutShop.creditRoom)
        let charged = try world.count(
            """
            SELECT COALESCE(SUM(amount_minor), 0) FROM remit_channel.channel_transaction
            WHERE customer_account = 'L-ORG' AND tender = '\(Tender.onAccount.rawValue)'
            """)
        #expect(charged == ScaleOutShop.creditRoom * 1_000, "the sum charged on account stays within the limit's room")
    }

    /// Payments on `K-ORG`'s invoices, as `ko` and `km` in turn, crossing: `ko` locks `K-ORG`, then
    /// the invoices in ascending order; `km` an invoice in descending order, then `K-ORG`, the account
    /// it charges — so the hosts' transactions deadlock.
    static func crossingPayments(_ count: Int, key: String) throws -> [ScaleOutWorld.Command] {
        let invoices = ScaleOutShop.killInvoices
        return try (0..<count).map { index in
            let round = index / 2
            let (user, invoice) = index.isMultiple(of: 2) ? ("ko", round % invoices) : ("km", invoices - 1 - round % invoices)
            return try ScaleOutWorld.Command(
                InvoicePay(
                    user: user, invoiceNumber: "K-INV-\(invoice)", amount: Money(minorUnits: 100, currency: .EUR),
                    tender: .card, cardAuthorization: "auth-\(key)-\(index)", idempotencyKey: "\(key)-\(index)"),
                as: "system:erp")
        }
    }

    /// Every payment published twice (the same bytes), so the two hosts often apply one message at
    /// the same moment: each applied once, the copy a duplicate — never dead-lettered.
    func copiesOfOneMessageAtBothHosts(_ world: ScaleOutWorld) async throws {
        let total = 200
        try await world.publish(try Self.crossingPayments(total, key: "copy"), correlationId: "copies", twice: true)
        try await expectEventually("every payment has its outcome", timeout: .seconds(40)) {
            try world.outcomes("copies") == total
        }
        try await expectEventually("both copies of every payment are settled", timeout: .seconds(40)) {
            try await world.broker.readyCount("remit.payment-posting") == 0
        }
        #expect(try world.outcomes("copies", where: "outcome = 'accepted'") == total)
        #expect(try world.count("SELECT COUNT(*) FROM remit_channel.inbox WHERE correlation_id = 'copies'") == total)
        #expect(
            try world.count(
                """
                SELECT COUNT(*) FROM remit_channel.channel_transaction
                WHERE id IN (SELECT payment_id FROM remit_channel.command_outcome WHERE correlation_id = 'copies')
                """) == total, "each payment recorded once")
        #expect(try await world.broker.readyCount("remit.payment-posting.dead") == 0, "no copy was dead-lettered")
    }

    /// A stream of payments to both hosts; host A is killed (SIGKILL) while they are in flight. Host B
    /// takes what A had not acknowledged: every payment is applied exactly once. The stream is built
    /// to make the hosts' transactions deadlock: the broker hands the messages out in turn, so one
    /// host pays as `ko` (locking `K-ORG`, then the invoices in ascending order) while the other pays
    /// as `km` (locking an invoice in descending order, then `K-ORG`, the account it charges).
    func aHostKilledMidStream(_ world: ScaleOutWorld, kill host: RemitProcess) async throws {
        let total = 400
        let commands = try Self.crossingPayments(total, key: "kill")
        try await world.publish(commands, correlationId: "kill")
        try await expectEventually("the hosts are applying the stream", timeout: .seconds(30)) {
            (try? world.outcomes("kill")) ?? 0 >= 30
        }
        host.signal(SIGKILL)
        _ = await host.waitForExit()
        let atKill = try world.outcomes("kill")
        #expect(atKill < total, "killed while payments were still in flight (\(atKill) of \(total) applied)")
        try await expectEventually("the other host applies the rest", timeout: .seconds(40)) {
            try world.outcomes("kill") == total
        }
        #expect(try world.outcomes("kill", where: "outcome = 'accepted'") == total)
        let payments = """
            remit_channel.channel_transaction
            WHERE id IN (SELECT payment_id FROM remit_channel.command_outcome WHERE correlation_id = 'kill')
            """
        #expect(try world.count("SELECT COUNT(*) FROM \(payments)") == total, "each payment recorded once")
        #expect(try world.count("SELECT COALESCE(SUM(amount_minor), 0) FROM \(payments)") == total * 100)
        #expect(
            try world.count("SELECT COUNT(*) FROM remit_channel.inbox WHERE consumer = 'payment-posting' AND correlation_id = 'kill'")
                == total, "each message in the inbox once")
    }
}
