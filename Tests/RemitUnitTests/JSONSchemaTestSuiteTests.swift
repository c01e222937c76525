import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

/// Runs the official JSON-Schema-Test-Suite (draft 2020-12, copied into `JSONSchemaTestSuite/`)
/// against Remit's validator, so a keyword it claims but does not honour fails here.
@Suite("JSON Schema test suite")
struct JSONSchemaTestSuiteTests {
    /// One file per keyword the validator asserts, and the formats it asserts.
    static let files = [
        "additionalProperties.json", "boolean_schema.json", "const.json", "enum.json", "exclusiveMaximum.json",
        "exclusiveMinimum.json", "format.json", "items.json", "maxItems.json", "maxLength.json", "maximum.json",
        "minItems.json", "minLength.json", "minimum.json", "pattern.json", "properties.json", "ref.json",
        "required.json", "type.json", "optional/format/date-time.json", "optional/format/uuid.json",
    ]

    /// Cases Remit does not run: a whole group (by its description) or one case ("group / case").
    struct Skip: Sendable {
        var file: String
        var cases: String
        var reason: String
    }

    static let skipped: [Skip] = [
        Skip(
            file: "additionalProperties.json", cases: "additionalProperties being false does not allow other properties",
            reason: "uses patternProperties, which Remit's validator does not support"),
        Skip(
            file: "additionalProperties.json", cases: "non-ASCII pattern with additionalProperties",
            reason: "uses patternProperties, which Remit's validator does not support"),
        Skip(
            file: "additionalProperties.json", cases: "additionalProperties does not look in applicators",
            reason: "uses allOf, which Remit's validator does not support"),
        Skip(
            file: "additionalProperties.json", cases: "additionalProperties with propertyNames",
            reason: "uses propertyNames, which Remit's validator does not support"),
        Skip(
            file: "additionalProperties.json", cases: "dependentSchemas with additionalProperties",
            reason: "uses dependentSchemas, which Remit's validator does not support"),
        Skip(
            file: "format.json", cases: "email format",
            reason: "format 'email' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "idn-email format",
            reason: "format 'idn-email' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "regex format",
            reason: "format 'regex' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "ipv4 format",
            reason: "format 'ipv4' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "ipv6 format",
            reason: "format 'ipv6' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "idn-hostname format",
            reason: "format 'idn-hostname' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "hostname format",
            reason: "format 'hostname' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "date format",
            reason: "format 'date' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "date-time format / invalid date-time string is only an annotation by default",
            reason: "Remit asserts this format (as the suite's optional format tests expect)"),
        Skip(
            file: "format.json", cases: "time format",
            reason: "format 'time' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "json-pointer format",
            reason: "format 'json-pointer' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "relative-json-pointer format",
            reason: "format 'relative-json-pointer' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "iri format",
            reason: "format 'iri' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "iri-reference format",
            reason: "format 'iri-reference' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "uri format",
            reason: "format 'uri' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "uri-reference format",
            reason: "format 'uri-reference' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "uri-template format",
            reason: "format 'uri-template' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "format.json", cases: "uuid format / invalid uuid string is only an annotation by default",
            reason: "Remit asserts this format (as the suite's optional format tests expect)"),
        Skip(
            file: "format.json", cases: "duration format",
            reason: "format 'duration' is not asserted by Remit, so its schemas may not use it"),
        Skip(
            file: "items.json", cases: "items and subitems",
            reason: "uses prefixItems, which Remit's validator does not support"),
        Skip(
            file: "items.json", cases: "prefixItems with no additional items allowed",
            reason: "uses prefixItems, which Remit's validator does not support"),
        Skip(
            file: "items.json", cases: "items does not look in applicators, valid case",
            reason: "uses allOf, which Remit's validator does not support"),
        Skip(
            file: "items.json", cases: "prefixItems validation adjusts the starting index for items",
            reason: "uses prefixItems, which Remit's validator does not support"),
        Skip(
            file: "items.json", cases: "items with heterogeneous array",
            reason: "uses prefixItems, which Remit's validator does not support"),
        Skip(
            file: "properties.json", cases: "properties, patternProperties, additionalProperties interaction",
            reason: "uses patternProperties, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "relative pointer ref to array",
            reason: "uses prefixItems, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "remote ref, containing refs itself",
            reason: "a remote $ref: Remit resolves references within its schema files only"),
        Skip(
            file: "ref.json", cases: "Recursive references between schemas",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "ref creates new scope when adjacent to keywords",
            reason: "uses unevaluatedProperties, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "refs with relative uris and defs",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "relative refs with absolute uris and defs",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "$id must be resolved against nearest parent, not just immediate parent",
            reason: "uses allOf, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "order of evaluation: $id and $ref",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "order of evaluation: $id and $anchor and $ref",
            reason: "uses $anchor, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "order of evaluation: $id and $ref on nested schema",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "simple URN base URI with $ref via the URN",
            reason: "a $ref through a URN $id: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "URN base URI with URN and JSON pointer ref",
            reason: "a $ref through a URN $id: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "URN base URI with URN and anchor ref",
            reason: "uses $anchor, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "URN ref with nested pointer ref",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "ref to if",
            reason: "uses if, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "ref to then",
            reason: "uses then, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "ref to else",
            reason: "uses else, which Remit's validator does not support"),
        Skip(
            file: "ref.json", cases: "ref with absolute-path-reference",
            reason: "a $id below the root: Remit resolves references against its schema file names only"),
        Skip(
            file: "ref.json", cases: "empty tokens in $ref json-pointer",
            reason: "uses allOf, which Remit's validator does not support"),
        Skip(
            file: "optional/format/date-time.json", cases: "validation of date-time strings / a valid date-time with a leap second, UTC",
            reason: "Remit's timestamps are Dates, which cannot hold a leap second"),
        Skip(
            file: "optional/format/date-time.json",
            cases: "validation of date-time strings / a valid date-time with a leap second, with minus offset",
            reason: "Remit's timestamps are Dates, which cannot hold a leap second"),
    ]

    struct Group: Decodable {
        var description: String
        var schema: JSONValue
        var tests: [Case]
    }

    struct Case: Decodable {
        var description: String
        var data: JSONValue
        var valid: Bool
    }

    static func groups(in file: String) throws -> [Group] {
        let directory = try #require(Bundle.module.url(forResource: "JSONSchemaTestSuite", withExtension: nil))
        let url = directory.appendingPathComponent("draft2020-12").appendingPathComponent(file)
        return try JSONDecoder().decode([Group].self, from: Data(contentsOf: url))
    }

    static func skip(_ file: String, _ cases: String) -> Skip? {
        skipped.first { $0.file == file && $0.cases == cases }
    }

    @Test("every case passes or is skipped by name, with its reason", arguments: files)
    func runsEveryCase(file: String) throws {
        // Per skip entry: whether everything it covers loaded and passed (then it should not be skipped).
        var skipPasses: [String: Bool] = [:]
        for group in try Self.groups(in: file) {
            let groupSkip = Self.skip(file, group.description)
            let schema: JSONSchema
            do {
                schema = try JSONSchema(name: file, root: group.schema)
            } catch {
                if let groupSkip {
                    skipPasses[groupSkip.cases] = false
                } else {
                    Issue.record("\(file): '\(group.description)' does not load: \(error)")
                }
                continue
            }
            for test in group.tests {
                let name = "\(group.description) / \(test.description)"
                let violations = schema.violations(of: test.data)
                let passes = violations.isEmpty == test.valid
                if let skip = groupSkip ?? Self.skip(file, name) {
                    skipPasses[skip.cases] = (skipPasses[skip.cases] ?? true) && passes
                } else {
                    #expect(passes, "\(file): \(name): expected \(test.valid ? "valid" : "invalid"), found \(violations)")
                }
            }
        }
        for skip in Self.skipped where skip.file == file {
            switch skipPasses[skip.cases] {
            case nil: Issue.record("\(file): skipped '\(skip.cases)' matches no case")
            case true?: Issue.record("\(file): skipped '\(skip.cases)' passes now; take it off the list")
            case false?: break
            }
        }
    }

    /// Annotations assert nothing, so no case can show they are honoured.
    static let annotations: Set<String> = ["title", "description", "examples", "$comment"]

    @Test func everyAssertingKeywordIsExercisedByACaseThatRuns() throws {
        var exercised: Set<String> = []
        func collectKeys(_ value: JSONValue) {
            switch value {
            case .object(let members):
                exercised.formUnion(members.keys)
                members.values.forEach(collectKeys)
            case .array(let elements):
                elements.forEach(collectKeys)
            default:
                break
            }
        }
        for file in Self.files {
            for group in try Self.groups(in: file) where Self.skip(file, group.description) == nil {
                collectKeys(group.schema)
            }
        }
        let unexercised = JSONSchema.supportedKeywords.subtracting(Self.annotations).subtracting(exercised)
        #expect(unexercised.isEmpty, "no suite case runs \(unexercised.sorted())")
    }
}
