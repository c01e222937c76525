import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

@Suite("Money")
struct MoneyTests {
    @Test(
        "decimal strings parse to minor units",
        arguments: [
            ("12.30", "EUR", Int64(1230)), ("0.01", "EUR", 1), ("-5", "EUR", -500), ("1000.5", "USD", 100_050),
            ("1500", "JPY", 1500), ("1.234", "KWD", 1234), ("0", "EUR", 0),
        ])
    func parses(text: String, code: String, minor: Int64) throws {
        let money = try Money(decimal: text, currency: Currency(code))
        #expect(money.minorUnits == minor)
    }

    @Test("malformed and too precise amounts are refused", arguments: ["", "1.", ".5", "1.2.3", "abc", "1,50", "+1", "1e3", " 1"])
    func refusesMalformed(text: String) {
        #expect(throws: MoneyError.self) { try Money(decimal: text, currency: .EUR) }
    }

    @Test func refusesMoreDecimalsThanTheCurrencyHas() {
        #expect(throws: MoneyError.tooPrecise("12.301", currency: .EUR)) { try Money(decimal: "12.301", currency: .EUR) }
        #expect(throws: MoneyError.self) { try Money(decimal: "1.5", currency: Currency("JPY")) }
    }

    @Test func formatsWithTheCurrencysDigits() throws {
        #expect(Money(minorUnits: 1230, currency: .EUR).decimalString == "12.30")
        #expect(Money(minorUnits: -5, currency: .EUR).decimalString == "-0.05")
        #expect(Money(minorUnits: 1500, currency: try Currency("JPY")).decimalString == "1500")
        #expect(Money(minorUnits: 1, currency: try Currency("BHD")).decimalString == "0.001")
    }

    @Test func roundTripsThroughJSONAsADecimalString() throws {
        let money = Money(minorUnits: 123_456, currency: .EUR)
        let json = String(decoding: try MessageCoding.encoder().encode(money), as: UTF8.self)
        #expect(try JSONValue.parse(Data(json.utf8)) == .object(["amount": .string("1234.56"), "currency": .string("EUR")]))
        #expect(try MessageCoding.decoder().decode(Money.self, from: Data(json.utf8)) == money)
    }

    @Test func rejectsAJSONNumberAmount() {
        let json = #"{"amount":12.3,"currency":"EUR"}"#
        #expect(throws: DecodingError.self) { try MessageCoding.decoder().decode(Money.self, from: Data(json.utf8)) }
    }

    @Test func arithmeticChecksCurrencyAndOverflow() throws {
        let a = Money(minorUnits: 100, currency: .EUR)
        #expect(try a.adding(Money(minorUnits: 50, currency: .EUR)).minorUnits == 150)
        #expect(try a.subtracting(Money(minorUnits: 150, currency: .EUR)).minorUnits == -50)
        #expect(throws: MoneyError.currencyMismatch(.EUR, .USD)) { try a.adding(Money(minorUnits: 1, currency: .USD)) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .max, currency: .EUR).adding(a) }
    }

    @Test("parse and format are inverse over many amounts")
    func roundTripProperty() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let minor = Int64.random(in: -10_000_000_000...10_000_000_000, using: &generator)
            for currency in [Currency.EUR, try Currency("JPY"), try Currency("KWD")] {
                let money = Money(minorUnits: minor, currency: currency)
                #expect(try Money(decimal: money.decimalString, currency: currency) == money)
            }
        }
    }

    @Test func amountsInDifferentCurrenciesHaveNoOrderButNoCrashEither() throws {
        let euros = Money(minorUnits: 100, currency: .EUR)
        let dollars = Money(minorUnits: 100, currency: .USD)
        #expect(throws: MoneyError.currencyMismatch(.EUR, .USD)) { try euros.isLess(than: dollars) }
        #expect(try euros.isLess(than: Money(minorUnits: 101, currency: .EUR)))
        #expect(try !euros.isMore(than: Money(minorUnits: 101, currency: .EUR)))
    }

    @Test func multiplicationThrowsOnOverflow() throws {
        let price = Money(minorUnits: Int64.max / 2 + 1, currency: .EUR)
        #expect(throws: MoneyError.self) { try price.multiplied(by: 2) }
        #expect(try Money(minorUnits: 250, currency: .EUR).multiplied(by: 4).minorUnits == 1000)
        #expect(throws: MoneyError.self) { try Money(minorUnits: Int64.min, currency: .EUR).multiplied(by: -1) }
    }

    @Test func extremeStoredAmountsNeverTrapTheInvoiceRules() throws {
        let extremes: [Int64] = [Int64.min, -1, 0, 1, Int64.max - 1, Int64.max]
        for due in extremes {
            for settled in extremes {
                for discount in extremes {
                    let amounts = InvoiceAmounts(
                        due: Money(minorUnits: due, currency: .EUR),
                        settled: Money(minorUnits: settled, currency: .EUR),
                        discountTaken: Money(minorUnits: discount, currency: .EUR))
                    #expect(amounts.open.minorUnits >= 0)
                    _ = amounts.status
                    _ = try? SettlementRules.settle(
                        payment: Money(minorUnits: Int64.max, currency: .EUR),
                        paidOn: CalendarDate(year: 2026, month: 11, day: 29)!, invoice: amounts,
                        offer: DiscountOffer(
                            amount: Money(minorUnits: Int64.max, currency: .EUR),
                            lastDay: CalendarDate(year: 2026, month: 12, day: 1)!))
                }
            }
        }
    }

    @Test("only active ISO 4217 codes are currencies", arguments: ["XYZ", "eur", "EURO", "", "XAU", "XXX", "HRK"])
    func refusesCodesThatAreNotActiveCurrencies(code: String) {
        #expect(throws: MoneyError.unknownCurrency(code)) { try Currency(code) }
    }

    @Test func knowsTheMinorUnitsOfFundsCodes() throws {
        #expect(try Currency("CLF").minorUnitDigits == 4)
        #expect(try Currency("UYI").minorUnitDigits == 0)
        #expect(try Currency("CHF").minorUnitDigits == 2)
    }

    @Test func theMoneySchemaListsExactlyTheCurrenciesSwiftAccepts() throws {
        let url = repositoryTopology.appendingPathComponent("schemas/money.schema.json")
        let schema = try JSONValue.parse(Data(contentsOf: url))
        let listed = try #require(schema["$defs"]?["money"]?["properties"]?["currency"]?["enum"]?.arrayValue).compactMap(\.stringValue)
        #expect(listed.count == Set(listed).count, "no code twice")
        #expect(Set(listed) == Currency.activeCodes)
    }

    @Test(
        "the schema's amount pattern admits what Money(decimal:) reads",
        arguments: [
            "12.30", "0", "-5", "1000.5", "1.2345", "", "1.", ".5", "1.2.3", "abc", "1,50", "+1", "1e3", " 1", "1.23456",
            "99999999999999.9999", "100000000000000", "-99999999999999",
        ])
    func amountPatternAgreesWithTheParser(text: String) throws {
        let topology = try Topology.load(from: repositoryTopology)
        let body = JSONValue.object(["key": .string("k"), "amount": .object(["amount": .string(text), "currency": .string("CLF")])])
        let schemaAccepts = MessageValidator(topology: topology).violations(body: body, type: "smoke.record").isEmpty
        let swiftAccepts = (try? Money(decimal: text, currency: Currency("CLF"))) != nil
        #expect(schemaAccepts == swiftAccepts)
    }
}
