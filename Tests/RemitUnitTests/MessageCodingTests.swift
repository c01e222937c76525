import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

/// Remit's own JSON reader, decoder and encoder (the worker's fast path), checked against the JSON
/// grammar and against Foundation's coders, which they replace for messages.
@Suite("Message coding")
struct MessageCodingTests {
    private func read(_ text: String) throws -> JSONValue { try JSONReader.read(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try read(
            #" { "a" : [1, -2, 3.5, 1e2, -0, 9223372036854775807, 9223372036854775808], "b": true, "c": false, "d": null, "e": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" } "#
        )
        #expect(
            value
                == .object([
                    "a": .array([
                        .integer(1), .integer(-2), .number(3.5), .number(100), .integer(0), .integer(Int64.max),
                        .number(9_223_372_036_854_775_808),
                    ]),
                    "b": .bool(true), "c": .bool(false), "d": .null, "e": .string("x\"\\/\u{08}\u{0C}\n\r\té😀"),
                ]))
        #expect(try read("\"héllo wörld\"") == .string("héllo wörld"))
        #expect(try read("[]") == .array([]) && (try read("{}")) == .object([:]))
        #expect(try read("-9223372036854775808") == .integer(Int64.min))
    }

    @Test(arguments: [
        ("", "unexpected end"), ("  ", "unexpected end"), ("{", "quoted key"), ("[1,]", "expected a JSON value"),
        ("{\"a\":1,}", "quoted key"), ("{'a':1}", "quoted key"), ("01", "may not start with 0"), ("1.", "digit after '.'"),
        ("1e", "exponent"), ("-", "expected a digit"), ("+1", "expected a JSON value"), (".5", "expected a JSON value"),
        ("NaN", "expected a JSON value"), ("1e999", "out of range"), ("tru", "expected a JSON value"),
        ("\"abc", "unterminated"), ("\"a\tb\"", "control character"), ("\"\\x\"", "unknown escape"),
        ("\"\\u12\"", "four hex digits"), ("\"\\ud800\"", "lone surrogate"), ("\"\\udc00\"", "lone surrogate"),
        ("\"\\ud800\\u0041\"", "lone surrogate"), ("{\"a\":1,\"a\":2}", "appears twice"), ("1 2", "after the JSON value"),
        ("[1 2]", "',' or ']'"), ("{\"a\" 1}", "':'"), ("{\"a\":1 \"b\":2}", "',' or '}'"),
    ])
    func refusesWhatIsNotJSON(text: String, reason: String) {
        #expect {
            _ = try read(text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func refusesInvalidUTF8AndNeverEchoesTheInput() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0xC3, 0xA9]] {
            #expect(throws: JSONReader.Failure.self) { try JSONReader.read(bytes) }
        }
        let secret = "hunter2-secret"
        do {
            _ = try read(#"{"password": "\#(secret)", }"#)
            Issue.record("a trailing comma was accepted")
        } catch {
            #expect(!"\(error)".contains(secret))
            #expect("\(error)".hasPrefix("byte "))
        }
    }

    @Test func limitsNestingWithoutExhaustingTheStack() throws {
        let depth = JSONReader.maximumDepth
        #expect(try read(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)) != .null)
        for hostile in [
            String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1),
            String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 100_000),
        ] {
            #expect { _ = try read(hostile) } throws: { "\($0)".contains("nested deeper") }
        }
    }

    @Test func readsWhatFoundationWritesForEveryBodyShape() throws {
        let envelope = Envelope(
            id: "m-1", correlationId: "c-1", causationId: nil, occurredAt: Date(timeIntervalSince1970: 1_800_000_000.5),
            actingUser: "user:jane", body: SmokeRecord(key: "k \"q\" / é\n", amount: Money(minorUnits: -1234, currency: .EUR)))
        let foundation = JSONEncoder()
        let fromFoundation = try MessageDecoder().decode(Envelope<SmokeRecord>.self, from: try foundation.encode(envelope))
        #expect(fromFoundation.body == envelope.body && fromFoundation.header == envelope.header)
        // And the other way round: what Remit writes, Foundation reads the same.
        let ours = try MessageEncoder().encode(envelope)
        let byFoundation = try JSONDecoder().decode(Envelope<SmokeRecord>.self, from: ours)
        #expect(byFoundation.body == envelope.body && byFoundation.header == envelope.header)
        #expect(try JSONReader.read(ours) == (try JSONReader.read(try foundation.encode(envelope))))
    }

    @Test func writesKeysInTheOrderTheTypeEncodesThemAndEscapesOnlyWhatJSONNeeds() throws {
        let envelope = Envelope(
            id: "m-1", occurredAt: Date(timeIntervalSince1970: 0), actingUser: "system:a/b",
            body: SmokeRecord(key: "tab\tquote\"nul\u{0}", amount: Money(minorUnits: 5, currency: try Currency("JPY"))))
        let text = String(decoding: try MessageEncoder().encode(envelope), as: UTF8.self)
        #expect(text.hasPrefix(#"{"type":"smoke.record","version":1,"id":"m-1","correlationId":"m-1","causationId":null,"#))
        #expect(text.contains(#""occurredAt":"1970-01-01T00:00:00.000Z","actingUser":"system:a/b","body":{"key":"tab\tquote\"nul\u0000""#))
        #expect(text.contains(#""amount":{"amount":"5","currency":"JPY"}"#))
    }

    @Test func decodingErrorsNameThePathAsBefore() throws {
        let types = MessageBodyTypes([SmokeRecord.self])
        func reason(_ body: String) throws -> String {
            let text =
                #"{"type":"smoke.record","version":1,"id":"m","correlationId":"m","occurredAt":"2026-11-29T10:00:00Z","actingUser":"system:x","body":\#(body)}"#
            guard case .invalid(let reason) = try DecodedEnvelope.decode(Data(text.utf8), bodyTypes: types).body else { return "decoded" }
            return reason
        }
        #expect(try reason(#"{"key":"a"}"#) == "$.body: missing 'amount'")
        #expect(try reason(#"{"key":1,"amount":{"amount":"1","currency":"EUR"}}"#).hasPrefix("$.body.key: expected String"))
        #expect(try reason(#"{"key":"a","amount":{"amount":"1.234","currency":"EUR"}}"#).hasPrefix("$.body.amount.amount:"))
        #expect(try reason(#"{"key":"a","amount":{"amount":"1","currency":"EUR"},"failAttempts":1.5}"#).hasPrefix("$.body.failAttempts:"))
        #expect(try reason(#"{"key":"a","amount":{"amount":"1","currency":"EUR"},"failAttempts":2.0}"#) == "decoded")
        #expect(throws: DecodingError.self) { try DecodedEnvelope.decode(Data("{".utf8), bodyTypes: types) }
        #expect(throws: DecodingError.self) { try DecodedEnvelope.decode(Data("[]".utf8), bodyTypes: types) }
    }

    @Test func numbersOutOfATypesRangeAreErrorsNotWraps() throws {
        struct Small: Codable { var value: Int8; var count: UInt }
        #expect(throws: DecodingError.self) { try MessageDecoder().decode(Small.self, from: Data(#"{"value":300,"count":1}"#.utf8)) }
        #expect(throws: DecodingError.self) { try MessageDecoder().decode(Small.self, from: Data(#"{"value":1,"count":-1}"#.utf8)) }
        #expect(throws: EncodingError.self) { try MessageEncoder().encode([Double.nan]) }
        let values = try MessageDecoder().decode([Double].self, from: try MessageEncoder().encode([0.1, -2.5, 3, 1e-7, 1e300]))
        #expect(values == [0.1, -2.5, 3, 1e-7, 1e300])
    }
}
