import Foundation
import GRDB
import RemitTestSupport
import Synchronization
import Testing

/// The alerting rules (`ops/prometheus/remit-rules.yml`) and the dashboard
/// (`ops/grafana/dashboards/remit.json`) against a real Prometheus (Debian's `prometheus` package):
/// promtool checks the rules and runs their unit cases, and a Prometheus of the test's own scrapes a
/// running `remit run` and fires "worker paused" while its store is locked.
@Suite("Prometheus: alerting rules and the dashboard", .serialized)
struct PrometheusAlertTests {
    static let rules = repositoryRoot.appendingPathComponent("ops/prometheus/remit-rules.yml")
    static let ruleTests = repositoryRoot.appendingPathComponent("ops/prometheus/remit-rules.test.yml")
    static let dashboard = repositoryRoot.appendingPathComponent("ops/grafana/dashboards/remit.json")

    static func tool(_ name: String) throws -> URL {
        let url = URL(fileURLWithPath: "/usr/bin/\(name)")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ToolMissing(description: "\(name) is not installed: apt-get install prometheus (scripts/test installs it)")
        }
        return url
    }

    struct ToolMissing: Error, CustomStringConvertible {
        let description: String
    }

    @Test func promtoolChecksTheRulesAndTheirUnitCasesPass() async throws {
        try await TestBroker.with(apply: false) { broker in
            let promtool = try Self.tool("promtool")
            let (checkStatus, checkOutput) = try await RemitProcess.run(
                ["check", "rules", Self.rules.path], broker: broker, executable: promtool)
            #expect(checkStatus == 0 && checkOutput.contains("SUCCESS: 10 rules found"), "\(checkOutput)")
            let (testStatus, testOutput) = try await RemitProcess.run(
                ["test", "rules", Self.ruleTests.path], broker: broker, executable: promtool)
            #expect(testStatus == 0 && testOutput.contains("SUCCESS"), "\(testOutput)")
            // The example configuration loads the rules beside it.
            let example = repositoryRoot.appendingPathComponent("ops/prometheus/prometheus.yml").path
            let (configStatus, configOutput) = try await RemitProcess.run(
                ["check", "config", example], broker: broker, executable: promtool)
            #expect(configStatus == 0 && configOutput.contains("SUCCESS: 1 rule files found"), "\(configOutput)")
        }
    }

    /// Every expression of the dashboard, with Grafana's `$__rate_interval` filled in.
    static func dashboardExpressions() throws -> [(panel: String, expr: String)] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: dashboard)) as? [String: Any] ?? [:]
        let panels = object["panels"] as? [[String: Any]] ?? []
        return panels.flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map {
                    (panel["title"] as? String ?? "?", $0.replacingOccurrences(of: "$__rate_interval", with: "1m"))
                }
            }
        }
    }

    /// Prometheus scrapes `remit run` every second with the repository's rules. A store locked from
    /// outside pauses the smoke worker: "RemitWorkerPaused" goes pending, then fires after its 30 s;
    /// once the lock is gone the messages are applied and the alert clears. Meanwhile every dashboard
    /// expression is a query this Prometheus answers, over series that exist.
    @Test func aPrometheusScrapingRemitRunFiresWorkerPausedWhileTheStoreIsLockedAndClearsIt() async throws {
        let prometheusBinary = try Self.tool("prometheus")
        try await TestBroker.with { broker in
            let metricsPort = try PostgresTestServer.freePort()
            let run = try RemitProcess(["run", "--portal-port", "0", "--metrics-port", "\(metricsPort)"], broker: broker)
            defer { run.signal(SIGKILL) }
            try await expectEventually("remit run serves /metrics", timeout: .seconds(60)) {
                try httpGet("http://127.0.0.1:\(metricsPort)/metrics").0 == 200
            }
            let directory = URL(fileURLWithPath: broker.dataDirectory).appendingPathComponent("prometheus")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let configuration = directory.appendingPathComponent("prometheus.yml")
            try """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(Self.rules.path)
            scrape_configs:
              - job_name: remit
                static_configs:
                  - targets: ['127.0.0.1:\(metricsPort)']
            """.write(to: configuration, atomically: true, encoding: .utf8)
            let port = try PostgresTestServer.freePort()
            let prometheus = try RemitProcess(
                [
                    "--config.file=\(configuration.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                    "--web.listen-address=127.0.0.1:\(port)",
                ], broker: broker, executable: prometheusBinary)
            defer { prometheus.signal(SIGKILL) }
            let api = "http://127.0.0.1:\(port)/api/v1"
            try await expectEventually("Prometheus scrapes remit run", timeout: .seconds(60)) {
                try Self.query(api, "up{job=\"remit\"}").first?.value == 1
            }
            let loaded = try Self.json(api + "/rules")
            let groups = ((loaded["data"] as? [String: Any])?["groups"] as? [[String: Any]]) ?? []
            let ruleHealth = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }.map { $0["health"] as? String ?? "?" }
            #expect(ruleHealth.count == 10 && ruleHealth.allSatisfy { $0 == "ok" || $0 == "unknown" }, "\(loaded)")

            // The dashboard's queries: each one parses and finds series in what remit run exports.
            try await expectEventually("a few samples were scraped", timeout: .seconds(30)) {
                (try Self.query(api, "count_over_time(up{job=\"remit\"}[1m])").first?.value ?? 0) >= 5
            }
            // The scheduler starts each HQ job at once; a run's time is reported from its first run on.
            try await expectEventually("the HQ jobs' first runs are reported", timeout: .seconds(60)) {
                try Self.query(api, "remit_job_last_run_timestamp_seconds{outcome=\"succeeded\"}").count == 5
            }
            try await expectEventually("jobs on schedule raise no alert", timeout: .seconds(10)) {
                try Self.query(api, "ALERTS{alertname=~\"RemitHQJob.*\"}").isEmpty
            }
            for (panel, expression) in try Self.dashboardExpressions() {
                let answer = try Self.json(api + "/query?query=" + Self.encode(expression))
                #expect(answer["status"] as? String == "success", "\(panel): \(expression): \(answer)")
                let names = expression.matches(of: /remit_[a-z_]+/).map { String($0.output) }
                for name in Set(names) {
                    let base = name.replacing(/_(bucket|sum|count)$/, with: "")
                    let found = try Self.query(api, "count({__name__=~\"\(base)(_bucket|_sum|_count)?\"})").first?.value ?? 0
                    #expect(found > 0, "\(panel): no series named \(name) in what remit run exports")
                }
            }

            // The smoke worker pauses on a locked channel store.
            let lock = try StoreLock(path: broker.dataDirectory + "/channel.sqlite")
            defer { lock.release() }
            _ = try await broker.publishSmoke(count: 5, prefix: "alert")
            // A locked store first reads as another writer: the batch runs again three times, each
            // after SQLite's busy timeout (10 s), before the worker calls it a pause.
            try await expectEventually("the smoke worker reports its pause", timeout: .seconds(90)) {
                try Self.query(api, "remit_paused_consumers{kind=\"smoke\",cause=\"store\"}").first?.value == 1
            }
            var states: [String] = []
            try await expectEventually("RemitWorkerPaused fires for smoke after its 30 s", timeout: .seconds(60)) {
                let state = try Self.alertState(api, "RemitWorkerPaused", kind: "smoke")
                if let state, states.last != state { states.append(state) }
                return state == "firing"
            }
            #expect(states == ["pending", "firing"], "\(states)")
            lock.release()
            try await expectEventually("the alert clears once the store answers", timeout: .seconds(30)) {
                try Self.alertState(api, "RemitWorkerPaused", kind: "smoke") == nil
            }
            try await expectEventually("the five messages are applied", timeout: .seconds(30)) {
                try Self.query(api, "remit_messages_total{kind=\"smoke\",outcome=\"applied\"}").first?.value == 5
            }
            #expect(
                try Self.query(api, "remit_messages_total{kind=\"smoke\",outcome=~\"retried|dead-lettered\"}").allSatisfy { $0.value == 0 },
                "the pause spent no message's attempts")
        }
    }

    /// SQLite's write lock on a store, held by a connection of the test's own (as another process
    /// would) until `release()`.
    final class StoreLock: Sendable {
        private let released = Atomic<Bool>(false)
        private let done = DispatchSemaphore(value: 0)

        init(path: String) throws {
            let queue = try DatabaseQueue(path: path)
            let taken = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                var locked = false
                try? queue.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    locked = true
                    taken.signal()
                    while !self.released.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.05) }
                    try db.execute(sql: "ROLLBACK")
                }
                // A lock not taken lets the test go on (and fail on the pause it does not see).
                if !locked { taken.signal() }
                self.done.signal()
            }
            taken.wait()
        }

        func release() {
            if !released.exchange(true, ordering: .acquiringAndReleasing) { done.wait() }
        }
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }

    static func json(_ url: String) throws -> [String: Any] {
        // No answer (Prometheus still starting) is an answer without data, not an error.
        let (status, body) = try httpGet(url)
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? ["status": "\(status)", "body": body]
    }

    /// An instant query's samples: labels and value.
    static func query(_ api: String, _ expression: String) throws -> [(labels: [String: String], value: Double)] {
        let answer = try json(api + "/query?query=" + encode(expression))
        let result = ((answer["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        return result.map { sample in
            let value = (sample["value"] as? [Any])?.last as? String
            return (sample["metric"] as? [String: String] ?? [:], value.flatMap(Double.init) ?? .nan)
        }
    }

    /// The state (`pending`, `firing`) of the alert `name` for `kind`, or nil when it is not active.
    static func alertState(_ api: String, _ name: String, kind: String) throws -> String? {
        let alerts = ((try json(api + "/alerts")["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
        return alerts.first { alert in
            let labels = alert["labels"] as? [String: String] ?? [:]
            return labels["alertname"] == name && labels["kind"] == kind
        }?["state"] as? String
    }
}
