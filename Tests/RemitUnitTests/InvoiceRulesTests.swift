import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

@Suite("Invoice status and settlement rules")
struct InvoiceRulesTests {
    let eur = Currency.EUR
    let day = CalendarDate(year: 2026, month: 11, day: 1)!

    func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: .EUR) }

    @Test func statusFollowsSettledAndDue() {
        #expect(InvoiceAmounts(due: money(10_000)).status == .unpaid)
        #expect(InvoiceAmounts(due: money(10_000), settled: money(1)).status == .partiallyPaid)
        #expect(InvoiceAmounts(due: money(10_000), settled: money(9_800), discountTaken: money(200)).status == .paid)
        #expect(InvoiceAmounts(due: money(0)).status == .paid)
    }

    @Test func overdueMeansNotPaidAndDueBeforeToday() {
        let open = InvoiceAmounts(due: money(500))
        #expect(open.isOverdue(dueDate: day, today: day.adding(days: 1)))
        #expect(!open.isOverdue(dueDate: day, today: day), "due today is not overdue yet")
        #expect(!InvoiceAmounts(due: money(500), settled: money(500)).isOverdue(dueDate: day, today: day.adding(days: 30)))
    }

    @Test func theDiscountNeedsAPaymentOfTheRestWithinTheWindow() throws {
        let invoice = InvoiceAmounts(due: money(10_000))
        let offer = DiscountOffer(amount: money(200), lastDay: day.adding(days: 10))
        let inTime = try SettlementRules.settle(payment: money(9_800), paidOn: day.adding(days: 10), invoice: invoice, offer: offer)
        #expect(inTime.discount == money(200) && inTime.settled == money(9_800) && inTime.after.status == .paid)
        let late = try SettlementRules.settle(payment: money(9_800), paidOn: day.adding(days: 11), invoice: invoice, offer: offer)
        #expect(late.discount.isZero && late.after.status == .partiallyPaid && late.after.open == money(200))
        let partial = try SettlementRules.settle(payment: money(5_000), paidOn: day, invoice: invoice, offer: offer)
        #expect(partial.discount.isZero && partial.after.open == money(5_000))
        // The rest of a partly paid invoice, paid in time, still earns the discount.
        let rest = try SettlementRules.settle(payment: money(4_800), paidOn: day.adding(days: 2), invoice: partial.after, offer: offer)
        #expect(rest.discount == money(200) && rest.after.status == .paid)
    }

    @Test func overpaymentIsNotApplied() throws {
        let result = try SettlementRules.settle(
            payment: money(12_000), paidOn: day, invoice: InvoiceAmounts(due: money(10_000)), offer: nil)
        #expect(result.settled == money(10_000) && result.unapplied == money(2_000))
    }

    @Test func refusesNonPositiveAndForeignCurrencyPayments() {
        #expect(throws: SettlementError.notPositive(money(0))) {
            try SettlementRules.settle(payment: money(0), paidOn: day, invoice: InvoiceAmounts(due: money(1)), offer: nil)
        }
        #expect(throws: SettlementError.self) {
            try SettlementRules.settle(
                payment: Money(minorUnits: 5, currency: .USD), paidOn: day,
                invoice: InvoiceAmounts(due: money(10)), offer: nil)
        }
    }

    @Test func cashDiscountRoundsDownAndNeverExceedsTheAmount() {
        #expect(CashDiscount(basisPoints: 200, withinDays: 10).amount(of: money(999)) == money(19))
        #expect(CashDiscount(basisPoints: 20_000, withinDays: 10).amount(of: money(999)) == money(999))
        #expect(CashDiscount(basisPoints: 250, withinDays: 14).lastDay(invoicedOn: day) == day.adding(days: 14))
    }

    @Test(
        "settled + discount + open = due; nothing negative; discount only inside its window",
        arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func settlementProperties(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for _ in 0..<2_000 {
            let due = money(Int64.random(in: 0...5_000_000, using: &random))
            var invoice = InvoiceAmounts(due: due)
            let invoiced = day.adding(days: Int.random(in: -400...400, using: &random))
            let terms = CashDiscount(
                basisPoints: Int.random(in: 0...1_000, using: &random), withinDays: Int.random(in: 0...30, using: &random))
            let offer =
                Bool.random(using: &random)
                ? DiscountOffer(amount: terms.amount(of: due), lastDay: terms.lastDay(invoicedOn: invoiced)) : nil
            for _ in 0..<Int.random(in: 1...5, using: &random) {
                let paidOn = invoiced.adding(days: Int.random(in: 0...60, using: &random))
                let payment = money(Int64.random(in: 1...max(1, due.minorUnits + 1_000), using: &random))
                let before = invoice
                let result = try SettlementRules.settle(payment: payment, paidOn: paidOn, invoice: invoice, offer: offer)
                invoice = result.after
                #expect(result.settled.minorUnits >= 0 && result.discount.minorUnits >= 0 && result.unapplied.minorUnits >= 0)
                #expect(result.settled.minorUnits + result.discount.minorUnits <= before.open.minorUnits, "never more than open")
                #expect(result.settled.minorUnits + result.unapplied.minorUnits == payment.minorUnits)
                #expect(invoice.settled.minorUnits + invoice.discountTaken.minorUnits + invoice.open.minorUnits == due.minorUnits)
                #expect(invoice.open.minorUnits >= 0)
                if !result.discount.isZero {
                    let offer = try #require(offer)
                    #expect(paidOn <= offer.lastDay, "discount only inside its window")
                    #expect(invoice.open.isZero, "discount only with a payment that settles the rest")
                    #expect(before.discountTaken.isZero, "discount only once")
                }
                let expected: InvoicePaymentStatus =
                    invoice.open.isZero
                    ? .paid
                    : (invoice.settled.isZero && invoice.discountTaken.isZero ? .unpaid : .partiallyPaid)
                #expect(invoice.status == expected)
            }
        }
    }
}

@Suite("Calendar dates")
struct CalendarDateTests {
    @Test func parsesFormatsAndCounts() throws {
        let date = try #require(CalendarDate("2024-02-29"))
        #expect(date.description == "2024-02-29")
        #expect(date.adding(days: 1).description == "2024-03-01")
        #expect(CalendarDate("2023-02-29") == nil && CalendarDate("2024-13-01") == nil && CalendarDate("24-01-01") == nil)
        #expect(CalendarDate(Date(timeIntervalSince1970: 86_399)).description == "1970-01-01")
        #expect(CalendarDate(Date(timeIntervalSince1970: -1)).description == "1969-12-31")
        #expect(try #require(CalendarDate("2026-01-01")).days(until: try #require(CalendarDate("2026-12-31"))) == 364)
    }

    @Test func roundTripsOverFourCenturies() {
        for days in stride(from: Int64(-146_097), through: 146_097, by: 7) {
            let date = CalendarDate(daysSinceEpoch: days)
            #expect(CalendarDate(date.description) == date)
        }
    }
}

@Suite("Invoice access policy")
struct InvoiceAccessPolicyTests {
    @Test func aUserReachesTheirOwnAccountAndTheInvoiceAccountOnly() {
        let member = InvoiceAccessPolicy(customerAccount: "C-2", invoiceAccount: "ORG-1")
        #expect(member.allows(invoiceOwnedBy: "C-2"))
        #expect(member.allows(invoiceOwnedBy: "ORG-1"))
        #expect(!member.allows(invoiceOwnedBy: "C-3"))
        #expect(!member.allows(invoiceOwnedBy: nil), "a missing invoice looks like a foreign one")
        #expect(member.accounts == ["C-2", "ORG-1"])
        let standalone = InvoiceAccessPolicy(customerAccount: "C-4", invoiceAccount: nil)
        #expect(standalone.allows(invoiceOwnedBy: "C-4"))
        #expect(!standalone.allows(invoiceOwnedBy: "ORG-1"))
        #expect(standalone.accounts == ["C-4"])
    }
}
