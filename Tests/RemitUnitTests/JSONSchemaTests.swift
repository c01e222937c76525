import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

@Suite("JSON Schema subset")
struct JSONSchemaTests {
    func schema(_ json: String, siblings: [String: String] = [:]) throws -> JSONSchema {
        try JSONSchema(
            name: "test", root: JSONValue.parse(Data(json.utf8)),
            siblings: siblings.mapValues { try JSONValue.parse(Data($0.utf8)) })
    }

    func value(_ json: String) throws -> JSONValue { try JSONValue.parse(Data(json.utf8)) }

    @Test func reportsEveryViolationWithItsPath() throws {
        let s = try schema(
            #"""
            {"type":"object","required":["a","b"],"additionalProperties":false,
             "properties":{"a":{"type":"integer","minimum":1},"c":{"type":"string","pattern":"^x"}}}
            """#)
        let violations = s.violations(of: try value(#"{"a":0,"c":"y","d":true}"#)).map(\.description)
        #expect(violations.contains("$: missing required property 'b'"))
        #expect(violations.contains("$.a: must be at least 1"))
        #expect(violations.contains { $0.hasPrefix("$.c: 'y' does not match") })
        #expect(violations.contains("$: property 'd' is not allowed"))
        #expect(violations.count == 4)
    }

    /// A hostile value quoted by a violation cannot start a line or turn text around in a log or a
    /// dead letter's `x-remit-error`: control, format and separator characters are written out.
    @Test func quotedValuesCannotForgeALineOrTurnTextAround() throws {
        let s = try schema(
            #"{"type":"object","additionalProperties":false,"properties":{"u":{"type":"string","pattern":"^(user|system):.+$"}}}"#)
        let hostile = #"{"u":"user:x\r\nx-remit-reason: forged\u202e\u0000","k\ny":1}"#
        let text = s.violations(of: try value(hostile)).map(\.description).joined(separator: " | ")
        #expect(text.contains(#"'user:x\u{d}\u{a}x-remit-reason: forged\u{202e}\u{0}' does not match"#), "\(text)")
        #expect(text.contains(#"property 'k\u{a}y' is not allowed"#), "\(text)")
        #expect(!text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{202E}" })
        #expect(SchemaViolation.shown(String(repeating: "é", count: 200)) == String(repeating: "é", count: 80))
    }

    @Test func acceptsAValidInstance() throws {
        let s = try schema(
            #"{"type":"object","properties":{"n":{"type":["string","null"]},"xs":{"type":"array","items":{"type":"integer"}}}}"#)
        #expect(s.violations(of: try value(#"{"n":null,"xs":[1,2]}"#)).isEmpty)
        #expect(s.violations(of: try value(#"{"xs":[1,"2"]}"#)).map(\.path) == ["$.xs[1]"])
    }

    @Test func followsReferencesToSiblingFiles() throws {
        let s = try schema(
            #"{"type":"object","properties":{"m":{"$ref":"money.json#/$defs/money"}}}"#,
            siblings: ["money.json": #"{"$defs":{"money":{"type":"object","required":["amount"]}}}"#])
        #expect(s.violations(of: try value(#"{"m":{}}"#)).map(\.description) == ["$.m: missing required property 'amount'"])
        #expect(s.violations(of: try value(#"{"m":{"amount":"1"}}"#)).isEmpty)
    }

    @Test func refusesKeywordsItDoesNotImplement() {
        #expect(throws: SchemaViolation.self) { try schema(#"{"type":"object","oneOf":[]}"#) }
    }

    @Test func checksFormats() throws {
        let s = try schema(#"{"type":"object","properties":{"at":{"type":"string","format":"date-time"}}}"#)
        #expect(s.violations(of: try value(#"{"at":"2026-11-29T10:00:00Z"}"#)).isEmpty)
        #expect(s.violations(of: try value(#"{"at":"yesterday"}"#)).count == 1)
    }

    @Test func countsStringLengthInCodePoints() throws {
        let s = try schema(#"{"type":"string","maxLength":1}"#)
        #expect(s.violations(of: .string("\u{E9}")).isEmpty)
        // One grapheme ("é" as e and a combining accent), but two code points.
        #expect(s.violations(of: .string("e\u{301}")).map(\.message) == ["must have at most 1 characters"])
    }

    @Test func reportsAReferenceCycleInsteadOfRecursingForever() throws {
        let s = try schema(##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##)
        #expect(s.violations(of: .integer(1)).map(\.message) == ["schema reference '#/$defs/a' leads back to itself"])
    }

    @Test func refusesFormatsAndKeywordValuesItCannotCheck() {
        #expect(throws: SchemaViolation.self) { try schema(#"{"type":"string","format":"email"}"#) }
        #expect(throws: SchemaViolation.self) { try schema(#"{"type":"string","pattern":"("}"#) }
        #expect(throws: SchemaViolation.self) { try schema(#"{"type":"string","maxLength":-1}"#) }
        #expect(throws: SchemaViolation.self) { try schema(#"{"properties":{"a":{"$id":"a.json"}}}"#) }
    }
}
