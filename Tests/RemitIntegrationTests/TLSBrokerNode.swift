import Foundation
import RemitAMQP
import RemitClient
import RemitOperations
import RemitRuntime
import Testing

/// A RabbitMQ node of its own beside the test broker, with AMQP over TLS and the management API
/// over HTTPS, and the certificates `openssl` made for it (`scripts/testing/tls_broker.sh`):
/// a CA, the server's certificate for localhost and 127.0.0.1, a client certificate, and an
/// unrelated CA. AMQP asks for a client certificate but admits a client without one; the
/// management API requires one.
struct TLSBrokerNode: Sendable {
    let directory: String
    let node: String
    let amqpsPort: Int
    let httpsPort: Int
    /// The node's plain AMQP port (no TLS there).
    let amqpPort: Int
    let certificates: String

    var caFile: String { certificates + "/ca_certificate.pem" }
    var wrongCAFile: String { certificates + "/wrong_ca_certificate.pem" }
    var clientCertificateFile: String { certificates + "/client_certificate.pem" }
    var clientKeyFile: String { certificates + "/client_key.pem" }

    /// Trusts the test CA and presents the client certificate.
    var tls: TLSSettings { TLSSettings(caFile: caFile, certificateFile: clientCertificateFile, keyFile: clientKeyFile) }

    func amqp(host: String = "localhost", tls: TLSSettings? = nil) -> AMQPConfiguration {
        var configuration = AMQPConfiguration(host: host, port: amqpsPort)
        configuration.tls = tls ?? self.tls
        return configuration
    }

    func management(tls: TLSSettings? = nil) -> BrokerManagement {
        BrokerManagement(
            baseURL: URL(string: "https://localhost:\(httpsPort)")!, user: "guest", password: "guest", tls: tls ?? self.tls)
    }

    static let script = repositoryRoot.appendingPathComponent("scripts/testing/tls_broker.sh").path

    static var opensslIsInstalled: Bool {
        (try? runScript("command -v openssl")) != nil
    }

    /// Makes the certificates and starts the node (some seconds).
    static func start() throws -> TLSBrokerNode {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-tls-\(UUID().uuidString.prefix(8))").path
        let output = try runScript("\"$0\" start \"$1\"", [Self.script, directory])
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let node = values["NODE"], let amqps = values["AMQPS_PORT"].flatMap(Int.init),
            let https = values["HTTPS_PORT"].flatMap(Int.init), let amqp = values["AMQP_PORT"].flatMap(Int.init),
            let certificates = values["CERTS"]
        else { throw ConfigurationError(.invalidValue, "tls_broker.sh start printed no ports:\n\(output)") }
        return TLSBrokerNode(
            directory: directory, node: node, amqpsPort: amqps, httpsPort: https, amqpPort: amqp, certificates: certificates)
    }

    /// Stops the node and removes its directory.
    func stop() throws {
        try Self.runScript("\"$0\" stop \"$1\"", [Self.script, directory])
    }

    /// `rabbitmqctl` against this node (scripts/lib.sh's broker_node_ctl).
    @discardableResult
    func rabbitmqctl(_ arguments: String...) throws -> String {
        try Self.runScript(
            "source \"$0\" && broker_node_ctl \"$@\"",
            [repositoryRoot.appendingPathComponent("scripts/lib.sh").path, node, directory] + arguments)
    }

    /// Runs `script` with bash, `arguments` as $0, $1, …; its output, or an error with it.
    @discardableResult
    private static func runScript(_ script: String, _ arguments: [String] = []) throws -> String {
        try runTool("/bin/bash", ["-c", script] + arguments, describedAs: "bash -c '\(script)'")
    }

    /// The node the running suite started (`.tlsBroker`).
    @TaskLocal static var current: TLSBrokerNode?
}

/// Starts a TLS broker node for a suite, runs the suite's tests with it as
/// `TLSBrokerNode.current`, and stops and removes it afterwards, whatever happened.
struct TLSBrokerTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let node = try TLSBrokerNode.start()
        do {
            try await TLSBrokerNode.$current.withValue(node) { try await function() }
        } catch {
            try? node.stop()
            throw error
        }
        try node.stop()
    }
}

extension Trait where Self == TLSBrokerTrait {
    /// A RabbitMQ node with TLS listeners for the suite's tests.
    static var tlsBroker: TLSBrokerTrait { TLSBrokerTrait() }
}
