import Foundation
import HummingbirdTesting
import RemitCore
import RemitMessages
import RemitPortal
import RemitTestSupport
import Testing

/// What the portal sends, its consumers accept: a signed-in buyer's random clicks through the JSON
/// API — paying invoices with amounts from the smallest to more than is open, asking for copies,
/// checking out with either tender and card references up to the longest the API takes, in mixed
/// scripts — are each answered without a 5xx, and every command the portal published for them
/// passes its schema and decodes as the worker will read it, one per accepted click.
@Suite("What the portal sends, its consumers accept", .serialized)
struct PortalSendsTests {
    static let texts: [String] = [
        "a", "psp-1", String(repeating: "x", count: 128), String(repeating: "ë", count: 128), String(repeating: "😀", count: 128),
        "Ĳssel <b>&amp;</b> \"quoted\"", "\u{202E}evil", " leading and trailing ",
    ]
    static let amounts: [String?] = [nil, "0.01", "1", "12.5", "99.99", "100.00", "100.01", "75.00", "0.10", "99999999999999.99"]

    static func pick<T>(_ items: [T], _ random: inout SeededRandom) -> T { items[Int(random.next() % UInt64(items.count))] }

    static func json(_ text: String) -> String {
        let data = try! JSONEncoder().encode(text)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyCommandAClickPublishesIsOneItsWorkerAccepts(_ seed: UInt64) async throws {
        let topology = try Topology.load(from: repositoryRoot.appendingPathComponent("Topology"))
        let check = FollowUpCheck(topology: topology)
        try await PortalWorld.with { world in
            let invoices = world.memInvoices.sorted()
            try await world.test { client in
                var random = SeededRandom(seed: seed)
                let browser = Browser(client)
                let token = try await browser.apiSignIn("mem")
                var accepted = 0
                for _ in 0..<40 {
                    let invoice = Self.pick(invoices, &random)
                    let answer: TestResponse
                    switch random.next() % 3 {
                    case 0:
                        let body = Self.pick(Self.amounts, &random).map { #"{"amount": \#(Self.json($0))}"# }
                        answer = try await browser.api(.post, "/api/v1/invoices/\(invoice)/pay", json: body, csrf: token)
                    case 1:
                        answer = try await browser.api(.post, "/api/v1/invoices/\(invoice)/request", csrf: token)
                    default:
                        let card = random.next() % 2 == 0
                        let body =
                            card
                            ? #"{"tender": "card", "cardAuthorization": \#(Self.json(Self.pick(Self.texts, &random)))}"#
                            : #"{"tender": "onAccount"}"#
                        answer = try await browser.api(.post, "/api/v1/cart/checkout", json: body, csrf: token)
                    }
                    #expect(answer.status.code < 500, "\(answer.status): \(answer.html.prefix(300))")
                    if answer.status == .accepted { accepted += 1 }
                }
                let published = world.publisher.published
                #expect(published.count == accepted, "one command per accepted click")
                #expect(accepted > 0)
                for message in published {
                    let outgoing = OutgoingMessage(
                        type: message.routingKey, messageId: message.properties.messageId ?? "", correlationId: "c",
                        body: Data(message.body))
                    #expect(check.problems(of: outgoing) == [], "the portal sent \(message.routingKey)")
                }
            }
        }
    }
}
