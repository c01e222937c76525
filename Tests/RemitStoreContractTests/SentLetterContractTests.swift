import Foundation
import RemitCore
import RemitStore
import Testing

/// The collection letters e-mail dispatch records and the buyer's pages read, on every backend.
@Suite("Store contract: sent collection letters")
struct SentLetterContractTests {
    static let day = CalendarDate(year: 2026, month: 12, day: 31)!

    static func letter(_ id: String, _ account: String, level: Int, title: String, dayOffset: Int, _ invoices: [String]) -> SentLetter {
        SentLetter(
            letterId: id, customerAccount: account, level: level, title: title, issuedOn: day.adding(days: dayOffset),
            sentAt: Date(timeIntervalSince1970: Double(day.adding(days: dayOffset).daysSinceEpoch) * 86_400 + 3_600),
            invoiceNumbers: invoices)
    }

    @Test(
        "a letter is recorded once with its invoices; an invoice's letters and an account's come newest first", arguments: StoreBackends.all
    )
    func lettersPerInvoiceAndAccount(backend: any StoreBackendFactory) throws {
        try TemporaryDirectory.with { directory in
            let store = try backend.channelStore(in: directory)
            let first = Self.letter("L-1", "C-1", level: 1, title: "Payment reminder", dayOffset: 0, ["INV-1", "INV-2"])
            let second = Self.letter("L-2", "C-1", level: 2, title: "First reminder", dayOffset: 10, ["INV-1"])
            let other = Self.letter("L-3", "C-2", level: 2, title: "First reminder", dayOffset: 5, ["INV-9"])
            try store.write { transaction in
                for letter in [first, second, other, first] { try transaction.channel().storefront.record(letter) }
            }
            let byInvoice = try store.read { try $0.channel().buyerViews.letters(invoices: ["INV-1", "INV-2", "INV-404"]) }
            #expect(byInvoice["INV-1"]?.map(\.letterId) == ["L-2", "L-1"])
            #expect(byInvoice["INV-2"]?.map(\.letterId) == ["L-1"] && byInvoice["INV-404"] == nil)
            #expect(byInvoice["INV-1"]?.first?.label == "First reminder, 2027-01-10")
            let ofC1 = try store.read { try $0.channel().buyerViews.letters(accounts: ["C-1"], limit: 10) }
            #expect(ofC1 == [second, first], "newest first, each with all its invoices, recorded once")
            #expect(
                try store.read { try $0.channel().buyerViews.letters(accounts: ["C-1", "C-2"], limit: 2) }.map(\.letterId) == [
                    "L-2", "L-3",
                ])
            #expect(try store.read { try $0.channel().buyerViews.letters(accounts: [], limit: 10) }.isEmpty)
            #expect(try store.read { try $0.channel().buyerViews.letters(invoices: []) }.isEmpty)
            // Many invoices in one read (past SQLite's chunk of 500).
            let many = (1...1_200).map { "N-\($0)" }
            try store.write {
                try $0.channel().storefront.record(Self.letter("L-4", "C-3", level: 4, title: "Final notice", dayOffset: 40, many))
            }
            #expect(try store.read { try $0.channel().buyerViews.letters(invoices: many) }.count == 1_200)
        }
    }
}
