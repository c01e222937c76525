import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

/// The byte matcher that checks schema patterns without `NSRegularExpression`, compared with it on
/// every pattern of `Topology/schemas` and on patterns that exercise each construct.
@Suite("Byte patterns")
struct BytePatternTests {
    /// Every `pattern` in the message schemas.
    static func topologyPatterns() throws -> [String] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Topology/schemas")
        var found: Set<String> = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let members):
                if let pattern = members["pattern"]?.stringValue { found.insert(pattern) }
                members.values.forEach(collect)
            case .array(let elements): elements.forEach(collect)
            default: break
            }
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") {
            collect(try JSONValue.parse(try Data(contentsOf: folder.appendingPathComponent(file))))
        }
        return found.sorted()
    }

    static let constructs = [
        "abc", "^a.c$", "a|b|^c$", "^(ab|cd)+$", "^(a|b)*c?$", "x{2}", "^x{2,}$", "^x{1,3}y{0,2}$", "[a-c]", "[^a-c]",
        "^[a-z0-9-]+$", "\\d\\d", "^\\.\\-$", "(a?)+b", "^(a*)*$", "^(|x)y$", "^$", "q(r|s(t|u))v",
    ]

    @Test func handlesEveryPatternOfTheMessageSchemas() throws {
        let patterns = try Self.topologyPatterns()
        #expect(patterns.count >= 5)
        for pattern in patterns { #expect(BytePattern(pattern) != nil, "\(pattern)") }
    }

    @Test func answersAsNSRegularExpressionDoes() throws {
        var random = SeededRandom(seed: 42)
        let alphabet = Array("0123456789-.:abcxyzAZ|sytemur ()")
        var decided = 0
        for pattern in try Self.topologyPatterns() + Self.constructs {
            let compiled = CompiledPattern(pattern, regex: try NSRegularExpression(pattern: pattern))
            #expect(compiled.isSimple, "\(pattern)")
            var samples = ["", "2026-02-29", "2026-13-01", "EUR", "eu", "-12.5", "12.", "user:jane", "system:", "a.b.c"]
            for _ in 0..<3_000 {
                samples.append(String((0..<Int.random(in: 0...14, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
            }
            for sample in samples {
                let expected = compiled.regexMatches(sample)
                #expect(compiled.matches(sample) == expected, "\(pattern) on '\(sample)'")
                if expected { decided += 1 }
            }
        }
        #expect(decided > 1_000)  // matches and misses were both tried
    }

    @Test func leavesWhatItDoesNotDecideToNSRegularExpression() throws {
        for pattern in ["a(?=b)", "\\w+", "[[:alpha:]]", "a+?", "\\p{L}", "(", "[]", "a{2", "^*"] {
            #expect(BytePattern(pattern) == nil, "\(pattern)")
        }
        let date = try #require(BytePattern("^[0-9]{4}$"))
        // Non-ASCII, control characters and long text are not decided by the byte matcher…
        #expect(date.matches("２０２６") == nil && date.matches("2026\n") == nil)
        #expect(date.matches(String(repeating: "1", count: BytePattern.maximumLength + 1)) == nil)
        // …but are still answered right, by NSRegularExpression.
        let compiled = CompiledPattern("^[0-9]{4}$", regex: try NSRegularExpression(pattern: "^[0-9]{4}$"))
        #expect(compiled.matches("2026\n") == compiled.regexMatches("2026\n"))
        #expect(compiled.matches("２０２６") == compiled.regexMatches("２０２６"))
    }
}
