import Foundation
import Testing
@testable import RemitCore
@testable import RemitMessages

struct Ping: MessageBody, Equatable {
    static let messageType = "test.ping"
    static let schemaVersion = 2
    var amount: Money
}

@Suite("Envelope")
struct EnvelopeTests {
    let at = Date(timeIntervalSince1970: 1_800_000_000.123)

    @Test func roundTripsWithAllFields() throws {
        let envelope = Envelope(
            id: "m-1", correlationId: "c-1", causationId: "p-0", occurredAt: at,
            actingUser: "user:jane", body: Ping(amount: Money(minorUnits: 995, currency: .EUR)))
        let data = try MessageCoding.encoder().encode(envelope)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""type":"test.ping""#) && text.contains(#""version":2"#))
        #expect(text.contains(#""occurredAt":"2027-01-15T08:00:00.123Z""#))
        let decoded = try MessageCoding.decoder().decode(Envelope<Ping>.self, from: data)
        #expect(decoded.header == envelope.header)
        #expect(decoded.body == envelope.body)
        #expect(try MessageCoding.decoder().decode(EnvelopeHeader.self, from: data) == envelope.header)
    }

    @Test func followUpsHaveDeterministicIdsAndKeepTheCorrelation() {
        let header = EnvelopeHeader(
            type: "test.ping", version: 2, id: "m-1", correlationId: "c-1", causationId: nil,
            occurredAt: at, actingUser: "user:jane")
        let body = Ping(amount: Money(minorUnits: 1, currency: .EUR))
        let first = header.followUp(body, key: "a", occurredAt: at)
        let again = header.followUp(body, key: "a", occurredAt: at.addingTimeInterval(60))
        let other = header.followUp(body, key: "b", occurredAt: at)
        #expect(first.id == again.id)
        #expect(first.id != other.id)
        #expect(first.correlationId == "c-1" && first.causationId == "m-1")
        #expect(UUID(uuidString: first.id) != nil)
    }

    @Test func deterministicIdsDoNotCollideAcrossManyInputs() {
        var seen = Set<String>()
        for index in 0..<50_000 { seen.insert(DeterministicID.make(from: "message-\(index)", "type", "key")) }
        #expect(seen.count == 50_000)
        #expect(DeterministicID.make(from: "ab", "c") != DeterministicID.make(from: "a", "bc"))
    }

    @Test func followUpIdsAreRFC9562NameBasedUUIDs() throws {
        // The RFC's DNS namespace and the name "python.org": the value Python's uuid.uuid5 gives.
        let dns = try #require(UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
        #expect(DeterministicID.uuid5(namespace: dns, name: Array("python.org".utf8)) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let id = DeterministicID.make(from: "message-1", "smoke.recorded", "k-1")
        #expect(id == DeterministicID.make(from: "message-1", "smoke.recorded", "k-1"), "the same names give the same id")
        #expect(UUID(uuidString: id) != nil)
        #expect(Array(id)[14] == "5", "version 5")
        // Pinned: Python's uuid.uuid5(namespace, "9:message-114:smoke.recorded3:k-1"); ids never change
        // between versions, so a message handled again after an upgrade derives the same follow-up ids.
        #expect(id == "9b15cf0c-97eb-5445-ab76-7c4513b1e010")
    }

    @Test func contentDigestsAreSHA256() {
        #expect(ContentDigest.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func timestampsWithoutFractionsAreAccepted() {
        #expect(Timestamp.parse("2026-11-29T10:00:00Z") != nil)
        #expect(Timestamp.parse("2026-11-29") == nil)
    }
}

@Suite("Timestamp")
struct TimestampTests {
    @Test func formatsMillisecondsAndRoundTripsExactly() {
        for offset in stride(from: -2_000.0, through: 2_000.0, by: 0.0137) {
            let date = Timestamp.normalize(Date(timeIntervalSince1970: 1_800_000_000 + offset))
            #expect(Timestamp.parse(Timestamp.format(date)) == date)
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0.5)) == "1970-01-01T00:00:00.500Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -0.25)) == "1969-12-31T23:59:59.750Z")
    }
}
