import Metrics
import Synchronization

/// How many of a kind's consumers are paused now for one cause (`remit_paused_consumers`): a pause
/// enters, its end leaves. Recorded as 0 at start, so that the series exists before the first pause
/// (an alert on it then sees 0, not nothing).
final class PauseGauge: Sendable {
    private let paused = Mutex<Int>(0)
    private let gauge: Gauge

    init(dimensions: [(String, String)], cause: String) {
        gauge = Gauge(label: "remit_paused_consumers", dimensions: dimensions + [("cause", cause)])
        gauge.record(0)
    }

    func enter() { change(by: 1) }
    func leave() { change(by: -1) }

    private func change(by step: Int) {
        paused.withLock { paused in
            paused += step
            gauge.record(paused)
        }
    }
}
