import Foundation
import Logging
@testable import RemitClient
import RemitWorkers
import Testing
@testable import RemitCore
@testable import RemitMessages
@testable import RemitRuntime

@Suite("The storefront's rules as pure functions")
struct StorefrontRulesTests {
    let today = CalendarDate(year: 2026, month: 11, day: 29)!
    func euros(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .EUR) }

    func balance(
        due: Int64, settled: Int64 = 0, taken: Int64 = 0, pending: Int64 = 0, pendingPaidOn: Int? = 0, discount: Int64? = nil,
        lastDay: Int = 5
    )
        -> InvoiceBalance
    {
        InvoiceBalance(
            number: "INV-1", amounts: InvoiceAmounts(due: euros(due), settled: euros(settled), discountTaken: euros(taken)),
            pending: euros(pending), pendingPaidOn: pendingPaidOn.map { today.adding(days: $0) },
            offer: discount.map { DiscountOffer(amount: euros($0), lastDay: today.adding(days: lastDay)) })
    }

    @Test func whatMayBePaidIsDueLessSettledLessDiscountTakenLessPending() throws {
        #expect(balance(due: 10_000, settled: 2_000, taken: 100, pending: 3_000).available == euros(4_900))
        #expect(balance(due: 10_000, pending: 12_000).available == euros(0), "never below zero")
        #expect(try balance(due: 10_000, pending: 4_000).checkPayment(euros(6_000), today: today) == euros(6_000))
        #expect(throws: StorefrontRefusal.amountOverOpen(available: euros(6_000))) {
            try balance(due: 10_000, pending: 4_000).checkPayment(euros(6_001), today: today)
        }
        #expect(throws: StorefrontRefusal.amountNotPositive) { try balance(due: 10_000).checkPayment(euros(0), today: today) }
        #expect(throws: StorefrontRefusal.amountNotPositive) { try balance(due: 10_000).checkPayment(euros(-1), today: today) }
        #expect(throws: StorefrontRefusal.invoiceAlreadyPaid("INV-1")) {
            try balance(due: 10_000, settled: 10_000).checkPayment(nil, today: today)
        }
        #expect(throws: StorefrontRefusal.paymentPending("INV-1", pending: euros(10_000)), "pending payments cover everything open") {
            try balance(due: 10_000, pending: 10_000).checkPayment(euros(1), today: today)
        }
        #expect(throws: StorefrontRefusal.currencyMismatch(amount: .USD, invoice: .EUR)) {
            try balance(due: 10_000).checkPayment(Money(minorUnits: 5, currency: .USD), today: today)
        }
    }

    @Test func theProposedAmountTakesTheCashDiscountOnlyInsideItsWindowAndOnce() throws {
        #expect(balance(due: 10_000, discount: 200).proposedPayment(today: today) == euros(9_800))
        #expect(balance(due: 10_000, discount: 200, lastDay: 0).proposedPayment(today: today) == euros(9_800), "the last day counts")
        #expect(balance(due: 10_000, discount: 200, lastDay: -1).proposedPayment(today: today) == euros(10_000))
        #expect(balance(due: 10_000, taken: 200, discount: 200).proposedPayment(today: today) == euros(9_800), "taken once only")
        #expect(balance(due: 10_000, pending: 4_000, discount: 200).proposedPayment(today: today) == euros(5_800))
        #expect(balance(due: 10_000).proposedPayment(today: today) == euros(10_000))
        #expect(try balance(due: 10_000, discount: 200).checkPayment(nil, today: today) == euros(9_800))
    }

    /// Issue #22: the invoice e-mail offered a discount whose last day had passed; the portal and the
    /// mail now offer it from this one rule.
    @Test func aDiscountIsProposedOnlyUpToItsLastDayAndOnlyWhileSomethingIsLeftToPay() throws {
        let offered = balance(due: 10_000, discount: 200, lastDay: 0)
        #expect(
            offered.discountProposal(today: today)
                == DiscountProposal(payment: euros(9_800), discount: euros(200), lastDay: today))
        #expect(offered.discountProposal(today: today.adding(days: 1)) == nil, "the day after the last day: no offer")
        #expect(offered.proposedPayment(today: today.adding(days: 34)) == euros(10_000))
        #expect(balance(due: 10_000, taken: 200, discount: 200).discountProposal(today: today) == nil, "taken once only")
        #expect(balance(due: 10_000, pending: 4_000, discount: 200).discountProposal(today: today)?.payment == euros(5_800))
        #expect(balance(due: 10_000, settled: 9_900, discount: 200).discountProposal(today: today) == nil, "nothing left after it")
        #expect(balance(due: 10_000).discountProposal(today: today) == nil)
    }

    /// Issue #22: a pending payment that settles the invoice with its cash discount leaves nothing
    /// open and nothing to propose — not the discount as if it were still owed.
    @Test func aPendingPaymentThatEarnsTheDiscountSettlesTheInvoice() throws {
        let settling = balance(due: 17_750, pending: 17_395, discount: 355)
        #expect(settling.pendingEarnsDiscount)
        #expect(settling.available == euros(0))
        #expect(settling.discountProposal(today: today) == nil)
        #expect(throws: StorefrontRefusal.paymentPending("INV-1", pending: euros(17_395))) {
            try settling.checkPayment(nil, today: today)
        }
        // Paid after the discount's last day, or short of what the discount needs: the rest stays open.
        #expect(balance(due: 17_750, pending: 17_395, pendingPaidOn: 6, discount: 355).available == euros(355))
        #expect(balance(due: 17_750, pending: 17_000, discount: 355).available == euros(750))
        #expect(balance(due: 17_750, pending: 17_395).available == euros(355), "no offer: no discount")
    }

    /// Issue #22: the cart offers on account only to whom it may be charged.
    @Test func theTendersOfferedAreTheOnesTheCheckoutWouldAccept() {
        let seed = StorefrontPolicy()
        #expect(CartRules.tenders(paysInvoices: true, allowOnAccount: true, policy: seed) == [.onAccount, .card])
        #expect(CartRules.tenders(paysInvoices: true, allowOnAccount: false, policy: seed) == [.card])
        var english = seed
        english.onAccountForInvoices = false
        #expect(CartRules.tenders(paysInvoices: true, allowOnAccount: true, policy: english) == [.card])
        #expect(CartRules.tenders(paysInvoices: false, allowOnAccount: true, policy: english) == [.onAccount, .card])
    }

    @Test func invoicesAndItemsShareACartOnlyUnderTheMixedCartPolicy() throws {
        let seed = StorefrontPolicy()
        #expect(throws: StorefrontRefusal.cartHoldsItems) { try CartRules.checkAdding(.invoice, to: [.item], policy: seed) }
        #expect(throws: StorefrontRefusal.cartHoldsInvoices) { try CartRules.checkAdding(.item, to: [.invoice], policy: seed) }
        try CartRules.checkAdding(.invoice, to: [.invoice], policy: seed)
        try CartRules.checkAdding(.item, to: [.item, .item], policy: seed)
        try CartRules.checkAdding(.invoice, to: [], policy: seed)
        var mixed = seed
        mixed.mixedCart = true
        try CartRules.checkAdding(.invoice, to: [.item], policy: mixed)
        try CartRules.checkAdding(.item, to: [.invoice], policy: mixed)
    }

    @Test func onAccountNeedsThePolicyThePermissionAndTheHeadroomAndCardNeedsAnAuthorization() throws {
        let seed = StorefrontPolicy()
        func check(
            _ tender: Tender, auth: String? = nil, invoices: Bool = true, charge: Int64 = 100, allow: Bool = true, headroom: Int64 = 100,
            policy: StorefrontPolicy? = nil
        ) throws {
            try CartRules.checkTender(
                tender, cardAuthorization: auth, paysInvoices: invoices, charge: euros(charge), allowOnAccount: allow,
                headroom: euros(headroom), policy: policy ?? seed)
        }
        try check(.onAccount)
        #expect(throws: StorefrontRefusal.creditExceeded(needed: euros(101), headroom: euros(100))) { try check(.onAccount, charge: 101) }
        #expect(throws: StorefrontRefusal.creditExceeded(needed: euros(1), headroom: euros(-5))) {
            try check(.onAccount, charge: 1, headroom: -5)
        }
        #expect(throws: StorefrontRefusal.onAccountNotAllowed) { try check(.onAccount, allow: false) }
        var english = seed
        english.onAccountForInvoices = false
        #expect(throws: StorefrontRefusal.onAccountNotForInvoices) { try check(.onAccount, policy: english) }
        try check(.onAccount, invoices: false, policy: english)
        #expect(throws: StorefrontRefusal.cardAuthorizationMissing) { try check(.card) }
        #expect(throws: StorefrontRefusal.cardAuthorizationMissing) { try check(.card, auth: "") }
        try check(.card, auth: "psp-1", allow: false, headroom: 0)
    }

    @Test func everyRefusalHasItsOwnCodeAndABuyersSentence() {
        let refusals: [StorefrontRefusal] = [
            .invoiceNotFound("X"), .invoiceAlreadyPaid("X"), .amountNotPositive, .amountOverOpen(available: euros(1)),
            .paymentPending("X", pending: euros(1)),
            .currencyMismatch(amount: .USD, invoice: .EUR), .cartHoldsItems, .cartHoldsInvoices, .invoiceAlreadyInCart("X"),
            .productNotFound("P"), .quantityOutOfRange, .lineNotFound("L"), .cartEmpty, .onAccountNotForInvoices,
            .onAccountNotAllowed, .creditExceeded(needed: euros(2), headroom: euros(1)), .cardAuthorizationMissing, .notActingUser,
            .unknownUser("u"), .idempotencyKeyReused,
        ]
        #expect(Set(refusals.map(\.code)).count == refusals.count)
        for refusal in refusals { #expect(refusal.description.hasSuffix(".") && refusal.description.first?.isUppercase == true) }
    }

    @Test func theStorefrontPolicyComesFromTheConfigurationAndBadValuesAreClearErrors() throws {
        let defaults = try RemitConfiguration(flags: [:], environment: [:], configFile: nil).storefrontPolicy()
        #expect(defaults == StorefrontPolicy(mixedCart: false, onAccountForInvoices: true, requestMergeSeconds: 300))
        let set = try RemitConfiguration(
            flags: [.mixedCart: "yes"], environment: ["REMIT_ON_ACCOUNT_INVOICES": "false", "REMIT_REQUEST_MERGE_SECONDS": "60"],
            configFile: nil
        ).storefrontPolicy()
        #expect(set == StorefrontPolicy(mixedCart: true, onAccountForInvoices: false, requestMergeSeconds: 60))
        #expect(throws: ConfigurationError.self) {
            try RemitConfiguration(flags: [.mixedCart: "maybe"], environment: [:], configFile: nil).storefrontPolicy()
        }
        #expect(throws: ConfigurationError.self) {
            try RemitConfiguration(flags: [.requestMergeSeconds: "-1"], environment: [:], configFile: nil).storefrontPolicy()
        }
    }

    @Test func aReplyGoesOnlyToAnAddressOutsideRemitsOwnQueues() throws {
        let topology = try Topology.load(from: repositoryTopology)
        func address(_ replyTo: String?, _ correlationId: String? = "c-1") throws(ReplyAddress.Refusal) -> ReplyAddress? {
            try ReplyAddress.from(replyTo: replyTo, correlationId: correlationId, topology: topology)
        }
        #expect(try address("erp.replies") == ReplyAddress(queue: "erp.replies", correlationId: "c-1"))
        #expect(try address("amq.rabbitmq.reply-to.g1h2", nil)?.queue == "amq.rabbitmq.reply-to.g1h2")
        // What queue_declare(queue='', exclusive=True) names a queue (RabbitMQ's RPC tutorial).
        #expect(try address("amq.gen-JzTY20BRgKO-HjmUJj0wLg")?.queue == "amq.gen-JzTY20BRgKO-HjmUJj0wLg")
        #expect(try address(nil) == nil && address("") == nil, "none asked")
        let refused: [(String, ReplyAddress.Refusal)] = [
            ("remit.payment-posting", .remitQueue), ("remit.hq.p-0001", .remitQueue), ("remit.anything", .remitQueue),
            ("amq.direct", .reservedName), ("amq.gen", .reservedName), (String(repeating: "q", count: 256), .invalidName),
            ("a\nb", .invalidName),
        ]
        for (hostile, reason) in refused {
            #expect(throws: reason, "\(hostile.prefix(30))") { try address(hostile) }
        }
    }

    @Test func anSMTPURLsPasswordNeverShowsInAConfigurationError() throws {
        for url in [
            "smtp://mailer:s3cr3t-pw@mail.example:99999", "smtp://mailer:s3cr3t-pw@", "ftp://mailer:s3cr3t-pw@mail.example",
            "smtp://mailer:s3cr3t-pw@mail.example?starttls=sometimes", "smtp://mailer:s3cr3t?pw@mail.example:25",
        ] {
            let configuration = try RemitConfiguration(flags: [.smtpURL: url], environment: [:], configFile: nil)
            do {
                _ = try MailSettings(configuration: configuration, logger: Logger(label: "test"))
                Issue.record("\(url.count)-character URL accepted")
            } catch {
                #expect(String(describing: error).hasPrefix("smtp-url: "))
                #expect(!String(describing: error).contains("s3cr3t"), "\(error)")
            }
        }
        let from = try RemitConfiguration(flags: [.mailFrom: "Shop Billing <billing@shop.example>"], environment: [:], configFile: nil)
        let settings = try MailSettings(configuration: from, logger: Logger(label: "test"))
        #expect(settings.from.address == "billing@shop.example" && settings.from.name == "Shop Billing")
        #expect(throws: ConfigurationError.self) {
            try MailSettings(
                configuration: try RemitConfiguration(flags: [.mailFrom: "Billing <not an address>"], environment: [:], configFile: nil),
                logger: Logger(label: "test"))
        }
    }
}
