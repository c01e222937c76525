import Foundation
import RemitAMQP
import RemitClient
import RemitOperations
import RemitRuntime
import Testing

/// `amqps://` URLs with RabbitMQ's TLS query parameters, and the management API's URL they imply.
@Suite("TLS settings from URLs")
struct TLSConfigurationTests {
    /// Three readable files standing for a CA, a client certificate and its key (their contents
    /// matter only when connecting), removed afterwards.
    static func withFiles(_ body: (_ ca: String, _ certificate: String, _ key: String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remit-tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let paths = ["ca.pem", "client.pem", "client-key.pem"].map { directory.appendingPathComponent($0).path }
        for path in paths { try Data("-----BEGIN-----\n".utf8).write(to: URL(fileURLWithPath: path)) }
        try body(paths[0], paths[1], paths[2])
    }

    @Test func amqpsIsTLSOnPort5671WithVerificationOn() throws {
        let configuration = try AMQPConfiguration(url: "amqps://shop:pw@broker.example/remit")
        #expect(configuration.port == 5671 && configuration.vhost == "remit")
        #expect(configuration.tls == TLSSettings())
        #expect(configuration.tls?.verifyPeer == true && configuration.tls?.caFile == nil)
        #expect("\(configuration)" == "amqps://shop:***@broker.example:5671/remit")
        #expect(try AMQPConfiguration(url: "amqps://broker.example:6671").port == 6671)
    }

    @Test func amqpURLsStayPlain() throws {
        let configuration = try AMQPConfiguration(url: "amqp://shop:pw@broker.example/remit?heartbeat=5&confirm_timeout=9")
        #expect(configuration.tls == nil && configuration.port == 5672)
        #expect(configuration.heartbeatSeconds == 5 && configuration.confirmTimeoutSeconds == 9)
        #expect("\(configuration)" == "amqp://shop:***@broker.example:5672/remit")
    }

    @Test func rabbitMQsTLSParametersAreRead() throws {
        try Self.withFiles { ca, certificate, key in
            let configuration = try AMQPConfiguration(
                url: "amqps://shop:pw@10.0.0.5/%2F?cacertfile=\(ca)&certfile=\(certificate)&keyfile=\(key)"
                    + "&verify=verify_none&server_name_indication=broker.example&heartbeat=10")
            #expect(
                configuration.tls
                    == TLSSettings(caFile: ca, certificateFile: certificate, keyFile: key, verifyPeer: false, serverName: "broker.example"))
            #expect(configuration.heartbeatSeconds == 10)
            #expect(try AMQPConfiguration(url: "amqps://broker?verify=verify_peer&cacertfile=\(ca)").tls?.verifyPeer == true)
        }
    }

    @Test(arguments: [
        ("amqps://u:pw-s3cr3t@broker?cacert=/etc/ca.pem", "unknown query parameter 'cacert'; known: heartbeat, connection_timeout"),
        ("amqp://u:pw-s3cr3t@broker?channel_max=5", "unknown query parameter 'channel_max'"),
        ("amqps://u:pw-s3cr3t@broker?certfile=/x/client.pem", "certfile needs keyfile"),
        ("amqps://u:pw-s3cr3t@broker?keyfile=/x/client-key.pem", "keyfile needs certfile"),
        ("amqps://u:pw-s3cr3t@broker?cacertfile=/nonexistent/ca.pem", "cacertfile /nonexistent/ca.pem does not exist"),
        ("amqps://u:pw-s3cr3t@broker?cacertfile=/tmp", "cacertfile /tmp is not a readable file"),
        ("amqps://u:pw-s3cr3t@broker?cacertfile=", "cacertfile needs a file path"),
        ("amqps://u:pw-s3cr3t@broker?verify=yes", "verify must be verify_peer or verify_none"),
        ("amqps://u:pw-s3cr3t@broker?server_name_indication=a/b", "server_name_indication must be a host name"),
        ("amqp://u:pw-s3cr3t@broker?cacertfile=/tmp/ca.pem", "cacertfile is a TLS parameter: use amqps://"),
        // A password "5671?s3cr3t" makes the URL read as host admin, port 5671 and a query.
        ("amqps://admin:5671?s3cr3t@broker", "write '?', '#' and '@'"),
    ])
    func unusableTLSSettingsAreOneClearLineWithoutThePassword(url: String, expected: String) {
        #expect { try AMQPConfiguration(url: url) } throws: { error in
            let text = "\(error)"
            return text.contains(expected) && !text.contains("s3cr3t") && !text.contains("\n")
        }
    }

    @Test func theManagementAPIOfAnAMQPSBrokerIsHTTPSWithTheSameFiles() throws {
        try Self.withFiles { ca, certificate, key in
            let amqp = try AMQPConfiguration(
                url: "amqps://shop:pw@broker.example/%2F?cacertfile=\(ca)&certfile=\(certificate)&keyfile=\(key)&server_name_indication=mq")
            let derived = try BrokerManagement(amqp: amqp, explicit: nil)
            #expect(derived.baseURL.absoluteString == "https://broker.example:15671")
            #expect(derived.tls == amqp.tls)

            // An explicit https:// URL keeps the files, names its own host, and may override them.
            let explicit = try BrokerManagement(amqp: amqp, explicit: "https://admin:pw@mgmt.example:443")
            #expect(explicit.baseURL.absoluteString == "https://mgmt.example:443")
            #expect(explicit.tls == TLSSettings(caFile: ca, certificateFile: certificate, keyFile: key))
            let overridden = try BrokerManagement(amqp: amqp, explicit: "https://mgmt.example?verify=verify_none&cacertfile=\(key)")
            #expect(overridden.tls == TLSSettings(caFile: key, certificateFile: certificate, keyFile: key, verifyPeer: false))
            #expect(overridden.baseURL.absoluteString == "https://mgmt.example", "no parameters in what errors print")

            #expect(try BrokerManagement(amqp: amqp, explicit: "http://mgmt.example:15672").tls == nil)
            #expect(try BrokerManagement(amqp: AMQPConfiguration(), explicit: "https://mgmt.example").tls == TLSSettings())
            #expect(try BrokerManagement(amqp: AMQPConfiguration(), explicit: nil).baseURL.absoluteString == "http://127.0.0.1:15672")
        }
    }

    @Test(arguments: [
        ("http://admin:pw-s3cr3t@mgmt?cacertfile=/tmp/ca.pem", "cacertfile is a TLS parameter: use https://"),
        ("https://admin:pw-s3cr3t@mgmt?vhost=x", "unknown query parameter 'vhost'"),
        (
            "https://admin:pw-s3cr3t@mgmt?certfile=/nonexistent/c.pem&keyfile=/nonexistent/k.pem",
            "certfile /nonexistent/c.pem does not exist"
        ),
        ("ftp://admin:pw-s3cr3t@mgmt", "expected http://host:port or https://host:port"),
    ])
    func unusableManagementURLsAreClearWithoutThePassword(url: String, expected: String) {
        #expect { try BrokerManagement(amqp: AMQPConfiguration(), explicit: url) } throws: { error in
            "\(error)".contains(expected) && !"\(error)".contains("s3cr3t")
        }
    }

    @Test func everyCommandGetsTLSFromTheSharedConfiguration() throws {
        try Self.withFiles { ca, _, _ in
            let configuration = try RemitConfiguration(
                flags: [:], environment: ["REMIT_AMQP_URL": "amqps://shop:pw@broker.example/%2F?cacertfile=\(ca)"], configFile: nil)
            #expect(try configuration.amqp().tls?.caFile == ca)
            #expect(try configuration.management().baseURL.scheme == "https")
            #expect(try configuration.management().tls?.caFile == ca)
        }
    }

    @Test func aTLSErrorSaysWhatFailedAndIsPermanent() {
        let error = AMQPError(
            .certificateVerificationFailed, operation: "connect as 'shop'", host: "broker", port: 5671, vhost: "/",
            detail: "unable to get local issuer certificate", isTLS: true)
        #expect(
            "\(error)"
                == "AMQP certificateVerificationFailed: connect as 'shop' on amqps://broker:5671/%2F — TLS certificate verification failed: unable to get local issuer certificate"
        )
        #expect(error.isPermanent)
        #expect(AMQPError(.tlsHandshakeFailed, operation: "connect", host: "b", port: 1, vhost: "/").isPermanent)
    }
}
