import Foundation
import GRDB
import RemitCore
@testable import RemitHQ
import RemitMessages
import RemitSQLite
import RemitStore
import Testing

@Suite("Collection policy")
struct CollectionPolicyTests {
    let due = CalendarDate(year: 2026, month: 12, day: 31)!
    let policy = CollectionPolicy.standard

    func letter(on offset: Int, sent: Set<Int> = [], discountLastDay: CalendarDate? = nil) -> Int? {
        policy.letter(dueDate: due, discountLastDay: discountLastDay, today: due.adding(days: offset), sent: sent)?.level
    }

    @Test func eachDueLevelIsDueFromItsDayAndOnlyTheHighestReachedIsSent() {
        #expect(letter(on: -4) == nil)
        #expect(letter(on: -3) == 1 && letter(on: 0) == 1)
        #expect(letter(on: -3, sent: [1]) == nil && letter(on: 6, sent: [1]) == nil)
        #expect(letter(on: 7, sent: [1]) == 2 && letter(on: 20, sent: [1, 2]) == nil)
        #expect(letter(on: 21, sent: [1, 2]) == 3 && letter(on: 35, sent: [1, 2, 3]) == 4)
        #expect(letter(on: 400, sent: [1, 2, 3, 4]) == nil, "after the final notice, nothing more")
        // A job that did not run for weeks sends the level reached, not every level passed.
        #expect(letter(on: 40) == 4 && letter(on: 22, sent: [1]) == 3)
        // A higher level sent before (a changed policy) is not followed by a lower one.
        #expect(letter(on: 8, sent: [3]) == nil)
    }

    @Test func theCashDiscountNoticeComesWhileTheDiscountStandsAndBeforeAnyReminder() {
        let lastDay = due.adding(days: -20)
        #expect(letter(on: -23, discountLastDay: lastDay) == nil)
        #expect(letter(on: -22, discountLastDay: lastDay) == 0 && letter(on: -20, discountLastDay: lastDay) == 0)
        #expect(letter(on: -20, sent: [0], discountLastDay: lastDay) == nil)
        #expect(letter(on: -19, discountLastDay: lastDay) == nil, "after its last day")
        #expect(letter(on: -21) == nil, "no offer standing (taken, or none): no notice")
        // A discount lasting to the due date: the due-date letter wins the day, and the notice never follows it.
        #expect(letter(on: -2, discountLastDay: due) == 1)
        #expect(letter(on: -1, sent: [1], discountLastDay: due) == nil)
    }

    @Test func anOptedOutPolicySendsNothingAndALevelIsCheckedAsInput() {
        #expect(CollectionPolicy.none.letter(dueDate: due, discountLastDay: due, today: due.adding(days: 100), sent: []) == nil)
        #expect(CollectionLevel(level: 2, title: "First reminder", anchor: .due, days: 7).problem == nil)
        let refused: [(CollectionLevel, String)] = [
            (CollectionLevel(level: 10, title: "x", anchor: .due, days: 1), "0 to 9"),
            (CollectionLevel(level: 1, title: "x", anchor: .due, days: 366), "-365 to 365"),
            (CollectionLevel(level: 1, title: "x", anchor: .discount, days: 1), "on or before the last day"),
            (CollectionLevel(level: 1, title: "", anchor: .due, days: 1), "1 to 80"),
            (CollectionLevel(level: 1, title: String(repeating: "x", count: 81), anchor: .due, days: 1), "1 to 80"),
            (CollectionLevel(level: 1, title: String(repeating: "🇳🇱", count: 41), anchor: .due, days: 1), "1 to 80"),
            (CollectionLevel(level: 1, title: "a\r\nBcc: x@evil.example", anchor: .due, days: 1), "control character"),
        ]
        for (level, reason) in refused { #expect(level.problem?.contains(reason) == true, "\(level)") }
    }

    @Test func anAddressBecomesAtMostSixPrintableLines() {
        #expect(InvoiceDocument.addressLines(nil) == nil && InvoiceDocument.addressLines(" \n\n ") == nil)
        #expect(
            InvoiceDocument.addressLines("Keizersgracht 1\r\n\n 1015 CJ Amsterdam \nNL") == ["Keizersgracht 1", "1015 CJ Amsterdam", "NL"])
        #expect(InvoiceDocument.addressLines("a\u{7}b\u{0}c") == ["abc"], "control characters removed")
        let long = InvoiceDocument.addressLines((1...9).map { "line \($0) " + String(repeating: "x", count: 200) }.joined(separator: "\n"))
        #expect(long?.count == 6 && long?.allSatisfy { $0.count == 120 } == true)
        // Counted in code points, as the schemas count: a flag is two, and is kept whole or left out.
        let flags = InvoiceDocument.addressLines(String(repeating: "🇳🇱", count: 61))
        #expect(flags?.first?.unicodeScalars.count == 120 && flags?.first?.count == 60)
        #expect(InvoiceDocument.addressLines("x" + String(repeating: "🇳🇱", count: 60))?.first?.unicodeScalars.count == 119)
    }

    @Test func longListsGoInPartsOfAtMost25InvoicesAnd2000Lines() {
        func document(_ number: Int, lines: Int) -> InvoiceDocument {
            let euro = Money(minorUnits: 100, currency: .EUR)
            return InvoiceDocument(
                number: "INV-\(number)", customerAccount: "C", customerName: "C", invoiceDate: due, dueDate: due,
                lines: Array(repeating: .init(description: "x", amount: euro), count: lines), total: euro, paid: .zero(.EUR),
                discountTaken: .zero(.EUR), pending: .zero(.EUR), open: euro, discountOffer: nil)
        }
        let many = CollectionLettersJob.parts((1...60).map { document($0, lines: 1) })
        #expect(many.map(\.count) == [25, 25, 10])
        #expect(many.flatMap { $0.map(\.number) } == (1...60).map { "INV-\($0)" }, "every invoice once, in order")
        let long = CollectionLettersJob.parts([
            document(1, lines: 1_500), document(2, lines: 600), document(3, lines: 5_000), document(4, lines: 1),
        ])
        #expect(long.map { $0.map(\.number) } == [["INV-1"], ["INV-2"], ["INV-3"], ["INV-4"]])
        #expect(CollectionLettersJob.parts([]).isEmpty)
    }

    @Test func theStoreKeepsPoliciesPerAccountAndRefusesWhatItCannotKeep() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-collection-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try HQStore(dataDirectory: directory)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try store.writeHQ { hq in
            try hq.seed.insert(PaymentTerms(code: "NET30", netDays: 30, cashDiscount: nil))
            try hq.accounts.insert(
                HQCustomer(
                    account: "C-1", name: "One", email: "one@example.com", currency: .EUR, invoiceAccount: nil, allowOnAccount: true,
                    creditLimitMinor: 0, paymentTerms: "NET30", changedAt: now))
        }
        try store.writeHQ { hq in
            #expect(try hq.collection.policies() == [.none, .standard])
            #expect(try hq.collection.policyCode(account: "C-1") == "standard")
            #expect(try hq.collection.accountsWithLetters().map(\.customer.account) == ["C-1"])
            try hq.collection.setPolicy(account: "C-1", code: "none")
            #expect(try hq.collection.accountsWithLetters().isEmpty, "opted out")
            #expect(throws: CollectionSettingError.self) { try hq.collection.setPolicy(account: "C-1", code: "nonsense") }
            #expect(throws: CollectionSettingError.self) { try hq.collection.setPolicy(account: "C-404", code: "standard") }
            try hq.collection.saveLevel(CollectionLevel(level: 1, title: "Gentle", anchor: .due, days: 14), policy: "gentle")
            #expect(throws: CollectionSettingError.self) {
                try hq.collection.saveLevel(CollectionLevel(level: 1, title: "x", anchor: .discount, days: 3), policy: "gentle")
            }
            #expect(throws: CollectionSettingError.self) {
                try hq.collection.saveLevel(CollectionLevel(level: 1, title: "x", anchor: .due, days: 3), policy: "none")
            }
            #expect(throws: CollectionSettingError.self) {
                try hq.collection.saveLevel(CollectionLevel(level: 1, title: "x", anchor: .due, days: 3), policy: "bad code;")
            }
            try hq.collection.setPolicy(account: "C-1", code: "gentle")
            #expect(try hq.collection.accountCounts() == ["gentle": 1])
            #expect(try hq.collection.policies().first { $0.code == "gentle" }?.levels.map(\.title) == ["Gentle"])
            try hq.collection.removeLevel(1, policy: "gentle")
            #expect(throws: CollectionSettingError.self) { try hq.collection.removeLevel(1, policy: "gentle") }
        }
    }
}
