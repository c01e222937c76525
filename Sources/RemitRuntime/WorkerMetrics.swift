import Foundation
import Metrics

/// What a worker kind reports through swift-metrics (Prometheus when the process serves
/// `/metrics`): messages by outcome, how long a batch takes, how long a message took from its
/// publish to its row being visible in the store, how long the broker takes to confirm, what is
/// in flight, reconnects and pauses, the consumers paused now, the work queue's depth and the
/// connections the broker blocks. Without a bootstrapped metrics system these cost nothing.
struct WorkerMetrics: Sendable {
    let applied: Counter
    let retried: Counter
    let deadLettered: Counter
    /// Decode, apply (one store transaction) and any effects of one batch.
    let batchDuration: Timer
    /// From the message's `occurredAt` to the commit that made it visible in the store.
    let visibleLatency: Timer
    /// The publish of a batch's follow-ups, retries and dead letters until the broker confirmed.
    let confirmLatency: Timer
    let inFlight: Gauge
    /// Consumers the kind runs in this process (changed live by `remit scale`).
    let consumers: Gauge
    let reconnects: Counter
    let storePauses: Counter
    /// Batches rolled back because another writer held what they needed (a deadlock, a lock, a
    /// serialisation conflict), and run again at once.
    let storeConflicts: Counter
    let effectPauses: Counter
    /// Messages dead-lettered because their handler returned a follow-up its consumer would refuse.
    let unsendableFollowUps: Counter
    /// Consumers holding their batch while the store, or an effect's far side, does not answer.
    let storePaused: PauseGauge
    let effectPaused: PauseGauge
    /// The work queue's ready messages, sampled every few seconds (`remit_queue_ready_messages`).
    let queueReady: Gauge
    /// This kind's broker connections the broker is blocking now (a memory or disk alarm).
    let blockedConnections: Gauge

    init(kind: String, queue: String) {
        let dimensions = [("kind", kind), ("queue", queue)]
        func outcome(_ name: String) -> Counter {
            Counter(label: "remit_messages_total", dimensions: dimensions + [("outcome", name)])
        }
        applied = outcome("applied")
        retried = outcome("retried")
        deadLettered = outcome("dead-lettered")
        batchDuration = Timer(label: "remit_batch_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        visibleLatency = Timer(label: "remit_publish_to_visible_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        confirmLatency = Timer(label: "remit_confirm_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        inFlight = Gauge(label: "remit_in_flight_messages", dimensions: dimensions)
        consumers = Gauge(label: "remit_consumers", dimensions: dimensions)
        reconnects = Counter(label: "remit_reconnects_total", dimensions: dimensions)
        storePauses = Counter(label: "remit_store_pauses_total", dimensions: dimensions)
        storeConflicts = Counter(label: "remit_store_conflicts_total", dimensions: dimensions)
        effectPauses = Counter(label: "remit_effect_pauses_total", dimensions: dimensions)
        unsendableFollowUps = Counter(label: "remit_unsendable_follow_ups_total", dimensions: dimensions)
        storePaused = PauseGauge(dimensions: dimensions, cause: "store")
        effectPaused = PauseGauge(dimensions: dimensions, cause: "effect")
        queueReady = Gauge(label: "remit_queue_ready_messages", dimensions: dimensions)
        blockedConnections = Gauge(label: "remit_broker_blocked_connections", dimensions: dimensions)
        blockedConnections.record(0)
    }
}
