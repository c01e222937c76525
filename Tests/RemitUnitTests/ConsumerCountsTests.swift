import RemitClient
import RemitOperations
import RemitRuntime
import Testing

@Suite("Consumer counts as operators write them")
struct ConsumerCountsTests {
    let kinds = ["payment-posting", "email-dispatch", "cart-validation"]

    @Test func oneCountForEveryKindOrCountsByKind() throws {
        let all = try ConsumerCounts.parse(" 4 ", kinds: kinds)
        #expect(all == ConsumerCounts(all: 4) && all.count(for: "email-dispatch", otherwise: 1) == 4)
        let some = try ConsumerCounts.parse("payment-posting=4, email-dispatch = 1", kinds: kinds)
        #expect(some.byKind == ["payment-posting": 4, "email-dispatch": 1])
        #expect(some.count(for: "payment-posting", otherwise: 2) == 4)
        #expect(some.count(for: "cart-validation", otherwise: 2) == 2, "a kind not named keeps its default")
    }

    @Test(arguments: [
        ("0", "0 for every kind is outside 1…64"),
        ("65", "65 for every kind is outside 1…64"),
        ("-1", "-1 for every kind is outside 1…64"),
        ("many", "'many' for every kind is not a whole number"),
        ("payment-posting=0", "0 for payment-posting is outside 1…64"),
        ("payment-posting=4,payment-posting=2", "payment-posting is named twice"),
        ("payment-posting=4,", "'' is not KIND=COUNT"),
        ("=4", "'=4' is not KIND=COUNT"),
        ("mailer=2", "'mailer' is not a kind this process runs (payment-posting, email-dispatch, cart-validation)"),
        ("payment-posting=99999999999999999999", "is not a whole number"),
    ])
    func wrongCountsAreNamed(_ text: String, _ message: String) {
        #expect { try ConsumerCounts.parse(text, kinds: kinds) } throws: { "\($0)".contains(message) }
    }
}

@Suite("The suggested consumer count")
struct SuggestedConsumersTests {
    @Test func enoughForWhatArrivesAndToDrainTheBacklogWithinAMinute() {
        // 2 busy consumers deliver 100/s: 50/s each. 120/s arrive → 3; a backlog of 30,000 → 10 in a minute.
        #expect(PipelineStatus.suggestedConsumers(ready: 500, consumers: 2, publishRate: 120, deliverRate: 100, fallback: 1) == 3)
        #expect(PipelineStatus.suggestedConsumers(ready: 30_000, consumers: 2, publishRate: 0, deliverRate: 100, fallback: 1) == 10)
        // No backlog: four consumers keep up with 1/s; their idle rate says nothing of what they could do.
        #expect(PipelineStatus.suggestedConsumers(ready: 0, consumers: 4, publishRate: 1, deliverRate: 1, fallback: 1) == 4)
        #expect(PipelineStatus.suggestedConsumers(ready: 10, consumers: 4, publishRate: 0, deliverRate: 400, fallback: 1) == 1)
        #expect(PipelineStatus.suggestedConsumers(ready: 10_000_000, consumers: 1, publishRate: 0, deliverRate: 1, fallback: 1) == 64)
    }

    @Test func withoutARateTheRunningCountOrTheDefault() {
        #expect(PipelineStatus.suggestedConsumers(ready: 0, consumers: 3, publishRate: 0, deliverRate: 0, fallback: 1) == 3)
        #expect(PipelineStatus.suggestedConsumers(ready: 50, consumers: 0, publishRate: 0, deliverRate: 0, fallback: 2) == 2)
        #expect(PipelineStatus.suggestedConsumers(ready: 50, consumers: 0, publishRate: 0, deliverRate: 0, fallback: 0) == 1)
    }
}
