import Foundation
import RemitAMQP
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitSQLite
import RemitStore
import Testing

@Suite("Dead-letter options and edits, without a broker")
struct DeadLetterInputTests {
    @Test func timesAreTimestampsDatesOrTimesAgo() throws {
        let now = try #require(Timestamp.parse("2026-11-29T12:00:00Z"))
        #expect(try DeadLetterInput.time("2026-11-29T10:15:00Z", option: "--since", now: now) == Timestamp.parse("2026-11-29T10:15:00Z"))
        #expect(try DeadLetterInput.time("2026-11-28", option: "--since", now: now) == Timestamp.parse("2026-11-28T00:00:00Z"))
        #expect(try DeadLetterInput.time("2h", option: "--since", now: now) == Timestamp.parse("2026-11-29T10:00:00Z"))
        #expect(try DeadLetterInput.time("7d", option: "--since", now: now) == Timestamp.parse("2026-11-22T12:00:00Z"))
        for bad in ["yesterday", "2h30", "-5m", "", "2026-13-01"] {
            #expect(throws: DeadLetterError.self, "\(bad)") { try DeadLetterInput.time(bad, option: "--until", now: now) }
        }
    }

    @Test func ratesArePerSecondWithinBounds() throws {
        #expect(try DeadLetterInput.rate("50/s") == 50)
        #expect(try DeadLetterInput.rate("0.5") == 0.5)
        for bad in ["0", "-1", "fast", "1e9", "nan", "50/m"] {
            #expect(throws: DeadLetterError.self, "\(bad)") { try DeadLetterInput.rate(bad) }
        }
    }

    @Test func editsSayWhatTheyChange() throws {
        #expect(try DeadLetterEdit(parsing: "body.email=a@b.example").target == .body(["email"]))
        #expect(try DeadLetterEdit(parsing: "body.email=a@b.example").value == .string("a@b.example"))
        #expect(try DeadLetterEdit(parsing: "body.lines.0.qty:=3").value == .integer(3))
        #expect(try DeadLetterEdit(parsing: "body.note=a=b").value == .string("a=b"), "the first = splits")
        #expect(try DeadLetterEdit(parsing: "header.x-tenant=acme").target == .header("x-tenant"))
        for bad in [
            "body", "body.=1", "body.a..b=1", "id=1", "body.a:=not json", "header.x-remit-error=x", "header.x-death=x", "header.h:=[1]",
        ] {
            #expect(throws: DeadLetterError.self, "\(bad)") { try DeadLetterEdit(parsing: bad) }
        }
    }

    @Test func amqpPropertiesSurviveTheStoreExactly() throws {
        let properties = AMQPProperties(
            contentType: "application/json", messageId: "m-1", correlationId: "c", type: "smoke.record", timestamp: 1_700_000_000,
            headers: [
                "s": .string("x"), "i": .int(4), "b": .bool(true), "d": .double(1.5), "t": .timestamp(1_700_000_000),
                "y": .bytes([0, 255]), "a": .array([.int(1), .string("two")]), "n": .table(["k": .void]),
            ])
        let text = try DeadLetterProperties.encode(properties)
        let letter = DeadLetter(
            messageId: "m-1", messageType: "smoke.record", correlationId: "c", deadLetterQueue: "q", worker: "w", originalQueue: "o",
            originalExchange: "remit", originalRoutingKey: "smoke.record", reason: "bad-input", error: "e", attempts: 1,
            failedAt: Date(), properties: text, body: Data("{}".utf8), collectedAt: Date(), replayCount: 0)
        #expect(try DeadLetterProperties.decode(letter) == properties)
        // What Foundation's decoder reads from the same text, field by field.
        #expect(try JSONDecoder().decode(AMQPProperties.self, from: Data(text.utf8)) == properties)
        for double in [2.0, -0.25, 1e300] {
            var whole = properties
            whole.headers = ["d": .double(double)]
            var stored = letter
            stored.properties = try DeadLetterProperties.encode(whole)
            #expect(try DeadLetterProperties.decode(stored) == whole, "\(stored.properties)")
        }
    }

    /// A properties column that is not what Remit wrote is a corrupt stored value naming the row,
    /// never a crash and never a message published with half its headers.
    @Test func damagedStoredPropertiesAreACorruptValue() throws {
        let damaged = [
            "", "not json", "[]", #"{"headers": {}}"#, #"{"persistent": "yes", "headers": {}}"#,
            #"{"persistent": true}"#, #"{"persistent": true, "headers": {"h": {"int": 1, "string": "a"}}}"#,
            #"{"persistent": true, "headers": {"h": {"int": "1"}}}"#, #"{"persistent": true, "headers": {"h": {"bytes": "%%%"}}}"#,
            #"{"persistent": true, "headers": {"h": {"timestamp": -1}}}"#, #"{"persistent": true, "headers": {"h": {"blob": 1}}}"#,
            #"{"persistent": true, "headers": {"h": {"array": [1]}}}"#, #"{"persistent": true, "headers": {}, "timestamp": 1.5}"#,
            #"{"persistent": true, "headers": {}, "messageId": 7}"#, String(repeating: "[", count: 100_000),
        ]
        for text in damaged {
            let letter = DeadLetter(
                messageId: "m-1", messageType: "smoke.record", correlationId: nil, deadLetterQueue: "q", worker: "w",
                originalQueue: "o", originalExchange: "remit", originalRoutingKey: "smoke.record", reason: "bad-input", error: "e",
                attempts: 1, failedAt: Date(), properties: text, body: Data("{}".utf8), collectedAt: Date(), replayCount: 0)
            #expect(throws: CorruptStoredValue.self, "\(text.prefix(80))") { try DeadLetterProperties.decode(letter) }
        }
    }
}
