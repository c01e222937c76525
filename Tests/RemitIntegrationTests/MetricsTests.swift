import Foundation
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitRuntime
import RemitTestSupport
import Testing

/// GET `url` with Python's urllib (the CI machine has python3; no curl needed): status and body.
func httpGet(_ url: String) throws -> (Int, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    let script = """
        import sys, urllib.request, urllib.error
        try:
            r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); print(r.read().decode())
        except urllib.error.HTTPError as e:
            print(e.code)
        except Exception as e:
            print(0); print(e)
        """
    process.arguments = ["python3", "-c", script, url]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    let status = Int(text.prefix { $0 != "\n" }) ?? 0
    return (status, String(text.drop { $0 != "\n" }.dropFirst()))
}

/// The value of the Prometheus sample `name{labels}` in `text`, labels in any order.
func sample(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
        let parts = line.split(separator: " ")
        guard parts.count >= 2 else { continue }
        let head = String(parts[0])
        let matches = labels.allSatisfy { head.contains("\($0.key)=\"\($0.value)\"") }
        if matches { return Double(parts[1]) }
    }
    return nil
}

@Suite("Prometheus metrics from a worker process", .serialized)
struct MetricsTests {
    @Test func aWorkerServesItsMessagesByOutcomeAndItsLatencies() async throws {
        try await TestBroker.with { broker in
            let port = try PostgresTestServer.freePort()  // not one in use (a random one once was, in CI)
            let worker = try RemitProcess(["worker", "smoke", "--metrics-port", "\(port)"], broker: broker)
            defer { worker.signal(SIGKILL) }
            try await broker.publishSmoke(count: 20, prefix: "ok")
            try await broker.publishSmoke(count: 2, prefix: "again", failAttempts: 1)
            try await broker.withConnection { connection in
                for index in 0..<3 {
                    try await connection.publish(
                        OutboundMessage(
                            exchange: broker.topology.workers.exchange, routingKey: "smoke.record", body: Array("not json".utf8),
                            properties: .init(messageId: "bad-\(index)", type: "smoke.record")))
                }
            }
            let labels = ["kind": "smoke", "queue": "remit.smoke"]
            var text = ""
            try await expectEventually("the worker's /metrics counts 22 applied, 2 retried, 3 dead-lettered", timeout: .seconds(60)) {
                let (status, body) = try httpGet("http://127.0.0.1:\(port)/metrics")
                text = body
                return status == 200
                    && sample(body, "remit_messages_total", labels.merging(["outcome": "applied"]) { a, _ in a }) == 22
                    && sample(body, "remit_messages_total", labels.merging(["outcome": "retried"]) { a, _ in a }) == 2
                    && sample(body, "remit_messages_total", labels.merging(["outcome": "dead-lettered"]) { a, _ in a }) == 3
            }
            #expect(sample(text, "remit_publish_to_visible_seconds_count", labels) == 22, "\(text)")
            #expect((sample(text, "remit_batch_duration_seconds_count", labels) ?? 0) >= 1)
            #expect(
                (sample(text, "remit_confirm_seconds_count", labels) ?? 0) >= 1, "retries and dead letters were published with confirms")
            #expect(sample(text, "remit_in_flight_messages", labels) == 0)
            #expect(text.contains("# TYPE remit_publish_to_visible_seconds histogram"))
            #expect(try httpGet("http://127.0.0.1:\(port)/nowhere").0 == 404)
        }
    }

    @Test func storefrontCommandsAreCountedByOutcomeAndRefusalCode() async throws {
        try await TestBroker.with { broker in
            let port = try PostgresTestServer.freePort()  // not one in use (a random one once was, in CI)
            let worker = try RemitProcess(["worker", "cart-validation", "--metrics-port", "\(port)"], broker: broker)
            defer { worker.signal(SIGKILL) }
            let producer = Producer(topology: broker.topology)
            let body = try JSONValue.parse(
                try MessageCoding.shared.encode(CartAddInvoice(user: "nobody", invoiceNumber: "INV-1", amount: nil)))
            try await broker.withConnection { connection in
                for _ in 0..<2 {
                    try await connection.publish(
                        try producer.prepare(type: CartAddInvoice.messageType, body: body, actingUser: "system:test").outbound)
                }
            }
            let labels = ["type": "cart.add-invoice", "outcome": "refused", "code": "unknown-user"]
            try await expectEventually("both refusals are counted with their code", timeout: .seconds(60)) {
                let (status, body) = try httpGet("http://127.0.0.1:\(port)/metrics")
                return status == 200 && sample(body, "remit_commands_total", labels) == 2
            }
            #expect(try httpGet("http://127.0.0.1:\(port)/metrics").0 == 200, "\(worker.output.suffix(2000))")
        }
    }

    /// The metric names README's table lists (the backticked names of its first column).
    static func readmeMetricNames() throws -> [String] {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table = readme.components(separatedBy: "| metric | labels | what |\n").dropFirst().first ?? ""
        var names: [String] = []
        // After the header's separator row, up to the first line that is not a row.
        for row in table.split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            guard row.hasPrefix("|") else { break }
            let first = row.split(separator: "|").first ?? ""
            names += first.matches(of: /`(remit_[a-z_]+)`/).map { String($0.output.1) }
        }
        return names
    }

    /// Metrics made at their first event, not at start: a job's last run time (a series at 0 would
    /// read as a run in 1970).
    static let madeAtFirstEvent: Set<String> = ["remit_job_last_run_timestamp_seconds"]

    /// The `remit_…` names an expression file uses (histogram series named by their metric).
    static func metricNames(in file: String) throws -> Set<String> {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
        return Set(text.matches(of: /remit_[a-z_]+/).map { String($0.output).replacing(/_bucket$/, with: "") })
    }

    @Test func everyMetricTheReadmeListsIsExportedRightAfterStartAndTheRulesAndDashboardUseOnlyThose() async throws {
        let names = try Self.readmeMetricNames()
        #expect(names.count >= 20 && names.contains("remit_inbox_pruned_total"), "\(names)")
        for file in ["ops/prometheus/remit-rules.yml", "ops/grafana/dashboards/remit.json"] {
            let unknown = try Self.metricNames(in: file).subtracting(names)
            #expect(unknown.isEmpty, "\(file) uses metrics README's table does not list: \(unknown.sorted())")
        }
        try await TestBroker.with { broker in
            let port = try PostgresTestServer.freePort()  // not one in use (a random one once was, in CI)
            // Every part of the process: the workers, the job scheduler and the portal.
            let run = try RemitProcess(["run", "--portal-port", "0", "--metrics-port", "\(port)"], broker: broker)
            defer { run.signal(SIGKILL) }
            var text = ""
            try await expectEventually("/metrics answers", timeout: .seconds(60)) {
                let (status, body) = try httpGet("http://127.0.0.1:\(port)/metrics")
                text = body
                return status == 200
            }
            // Nothing was published or pruned yet: each metric is there at its start.
            let missing = names.filter { !Self.madeAtFirstEvent.contains($0) && !text.contains("# TYPE \($0) ") }
            #expect(missing.isEmpty, "not exported at start: \(missing)\n\(run.output.suffix(2000))")
            // The scheduler starts every job at once: their first runs make the rest.
            try await expectEventually("the metrics made at the first job run are exported", timeout: .seconds(60)) {
                let (_, body) = try httpGet("http://127.0.0.1:\(port)/metrics")
                return Self.madeAtFirstEvent.allSatisfy { body.contains("# TYPE \($0) ") }
            }
            #expect(sample(text, "remit_inbox_pruned_total", ["store": "channel"]) == 0, "\(text)")
            #expect(sample(text, "remit_commands_total", ["type": "invoice.pay", "outcome": "accepted"]) == 0)
        }
    }

    @Test func scriptsRunServesMetricsByDefault() throws {
        func defaults(_ port: String?) throws -> String {
            let (_, output) = try runSourcingLib(
                "remit_metrics_defaults", environment: ["REMIT_METRICS_PORT": port, "REMIT_METRICS_HOST": nil])
            return output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try defaults(nil) == "http://127.0.0.1:9464/metrics")
        #expect(try defaults("9999") == "http://127.0.0.1:9999/metrics")
        #expect(try defaults("") == "", "empty: no endpoint")
        let run = try String(contentsOf: repositoryRoot.appendingPathComponent("scripts/run"), encoding: .utf8)
        #expect(run.contains("remit_metrics_defaults") && run.contains("Prometheus metrics: $metrics_url"))
    }

    @Test func aWrongMetricsPortIsRefusedWithOneLine() async throws {
        try await TestBroker.with(apply: false) { broker in
            let (status, output) = try await RemitProcess.run(["worker", "smoke", "--metrics-port", "99999"], broker: broker)
            #expect(status == 1 && output.contains("metrics-port: '99999' is not a port number from 0 to 65535"), "\(output)")
        }
    }
}
