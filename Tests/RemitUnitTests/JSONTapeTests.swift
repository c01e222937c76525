import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

/// The tape a delivery is read into once (`JSONReader.tape`), and the schema check and typed decode
/// that walk it: each checked against an independent answer — Swift's own UTF-8 validation,
/// Foundation's JSON coders, the `JSONValue` a document is — on seeded random input.
@Suite("JSON tape")
struct JSONTapeTests {
    @Test func checksUTF8ExactlyAsSwiftDoes() {
        var random = SeededRandom(seed: 25)
        // Lead bytes and continuation bytes around every boundary of Unicode's table 3-7.
        let interesting: [UInt8] = [
            0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF,
            0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ]
        var disagreements: [[UInt8]] = []
        var accepted = 0
        for _ in 0..<50_000 {
            let text = (0..<Int.random(in: 1...5, using: &random)).map { _ in interesting.randomElement(using: &random)! }
            let swift = String(validating: text, as: UTF8.self) != nil
            let ours = (try? JSONReader.tape([0x22] + text + [0x22])) != nil
            if swift != ours { disagreements.append(text) }
            if ours { accepted += 1 }
        }
        #expect(disagreements.isEmpty, "first: \(disagreements.prefix(3))")
        // Both outcomes were tried many times, so the comparison said something.
        #expect(accepted > 1_000 && accepted < 49_000)
    }

    @Test func readsEveryDocumentAsFoundationDoesAndBuildsTheSameTapeFromAValue() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            let value = Self.randomValue(depth: 0, using: &random)
            let text = try JSONSerialization.data(withJSONObject: Self.foundationObject(value), options: [.fragmentsAllowed])
            let tape = try JSONReader.tape(text)
            #expect(tape.value() == value)
            #expect(JSONTape(value).value() == value)
        }
    }

    @Test func refusesADuplicateKeyHoweverItIsWritten() {
        let many = (0..<20).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        for text in [
            #"{"a": 1, "\u0061": 2}"#,  // the same key, once escaped
            #"{"é": 1, "e\u0301": 2}"#,  // canonically equal, as dictionary keys compare
            "{\(many), \"k7\": 0}",  // past the pairwise limit, through a set
            "{\(many), \"\\u006b3\": 0}",
        ] {
            #expect(throws: JSONReader.Failure.self, "\(text)") { try JSONReader.tape(Array(text.utf8)) }
        }
        #expect((try? JSONReader.tape(Array("{\(many), \"k20\": 0}".utf8)))?.count(JSONTape.root) == 21)
    }

    @Test func findsMembersWrittenPlainOrEscapedAndSkipsWholeSubtrees() throws {
        let tape = try JSONReader.tape(Array(#"{"skip": [[1, {"x": [2]}], {}], "na\u006De": "Jan", "é": true, "n": 2.5}"#.utf8))
        #expect(tape.member(JSONTape.root, "name").map(tape.string) == "Jan")
        #expect(tape.member(JSONTape.root, "é").map(tape.kind) == .true)
        #expect(tape.member(JSONTape.root, "n").flatMap(tape.number) == 2.5)
        #expect(tape.member(JSONTape.root, "missing") == nil)
        #expect(tape.elements(tape.member(JSONTape.root, "skip")!).count == 2)
    }

    @Test func checksAMemberTheSameWhetherItsKeyIsWrittenPlainOrEscaped() throws {
        let schema = try JSONSchema(
            name: "t",
            root: try JSONValue.parse(
                Data(
                    #"{"type": "object", "additionalProperties": false, "required": ["naam", "straße"], "properties": {"naam": {"type": "string", "maxLength": 3}, "straße": {"enum": ["Kerkstraat", "Dorpsstraat"]}}}"#
                        .utf8)))
        func problems(_ text: String) throws -> [String] {
            try schema.violations(of: JSONReader.tape(Array(text.utf8)), at: JSONTape.root).map(\.description)
        }
        #expect(try problems(#"{"naam": "Jan", "straße": "Kerkstraat"}"#).isEmpty)
        #expect(try problems(#"{"n\u0061am": "Jan", "stra\u00dfe": "Dorpsstraat"}"#).isEmpty)
        #expect(
            try problems(#"{"n\u0061am": "Janneke", "straße": "Kerk\u0073traat", "x": 1}"#) == [
                "$.naam: must have at most 3 characters", "$: property 'x' is not allowed",
            ])
        // A missing required property is named also beside other violations, and whatever the
        // keys' spelling (plain keys are counted, escaped ones looked up).
        #expect(
            try problems(#"{"naam": "Janneke"}"#) == ["$: missing required property 'straße'", "$.naam: must have at most 3 characters"])
        #expect(try problems(#"{"n\u0061am": "Jan"}"#) == ["$: missing required property 'straße'"])
        #expect(
            try problems(#"{"stra\u00dfe": "Markt"}"#) == [
                "$: missing required property 'naam'", #"$.straße: must be one of "Kerkstraat", "Dorpsstraat", found "Markt""#,
            ])
        #expect(
            try problems(#"{"naam": "Jan", "straße": "Markt"}"#) == [
                #"$.straße: must be one of "Kerkstraat", "Dorpsstraat", found "Markt""#
            ])
    }

    @Test func decodesFromTheTapeAsFoundationDoes() throws {
        struct Line: Codable, Equatable {
            var name: String
            var counts: [[Int]]
            var note: String?
            var flag: Bool
        }
        var random = SeededRandom(seed: 11)
        for _ in 0..<500 {
            let lines = (0..<Int.random(in: 0...6, using: &random)).map { _ in
                Line(
                    name: String((0..<Int.random(in: 0...8, using: &random)).map { _ in "aé\"\\\n😀z".randomElement(using: &random)! }),
                    counts: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                        (0..<Int.random(in: 0...3, using: &random)).map { _ in Int.random(in: -1_000...1_000, using: &random) }
                    },
                    note: Bool.random(using: &random) ? nil : "n", flag: Bool.random(using: &random))
            }
            let text = try JSONEncoder().encode(lines)
            #expect(try MessageDecoder().decode([Line].self, from: text) == lines)
        }
        #expect {
            _ = try MessageDecoder().decode([Line].self, from: Data(#"[{"name": "a", "counts": [[1, "2"]], "flag": true}]"#.utf8))
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["Index 0", "counts", "Index 0", "Index 1"]
        }
    }

    // MARK: Random documents

    static func randomValue(depth: Int, using random: inout SeededRandom) -> JSONValue {
        switch Int.random(in: 0..<(depth < 3 ? 8 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .integer(Int64.random(in: -1_000_000_000_000...1_000_000_000_000, using: &random))
        case 3: return .number(Double(Int.random(in: -100_000...100_000, using: &random)) + 0.25)
        case 4, 5: return .string(randomText(using: &random))
        case 6:
            return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                members[randomText(using: &random)] = randomValue(depth: depth + 1, using: &random)
            }
            return .object(members)
        }
    }

    static func randomText(using random: inout SeededRandom) -> String {
        let alphabet = Array("abcXYZ019 -_\"\\/\n\t\u{01}éßü€😀\u{2028}")
        return String((0..<Int.random(in: 0...10, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    static func foundationObject(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .integer(let integer): return integer
        case .number(let number): return number
        case .string(let text): return text
        case .array(let elements): return elements.map(foundationObject)
        case .object(let members): return members.mapValues(foundationObject)
        }
    }
}
