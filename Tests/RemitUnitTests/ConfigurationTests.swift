import Foundation
import Testing
@testable import RemitAMQP
@testable import RemitRuntime

@Suite("Configuration")
struct ConfigurationTests {
    @Test func flagsBeatEnvironmentBeatsFileBeatsDefaults() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-\(UUID()).conf")
        try """
            # comment
            data-dir = /from/file
            log-level = debug
            amqp-url = amqp://file:secret@file-host/%2F
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try RemitConfiguration(
            flags: [.amqpURL: "amqp://flag@flag-host/"],
            environment: ["REMIT_DATA_DIR": "/from/env", "REMIT_AMQP_URL": "amqp://env@env-host/"],
            configFile: file.path)
        #expect(configuration[.amqpURL] == "amqp://flag@flag-host/")
        #expect(configuration[.dataDir] == "/from/env")
        #expect(configuration[.logLevel] == "debug")
        #expect(configuration[.topologyDir] == nil)
        let defaults = try RemitConfiguration(flags: [:], environment: [:], configFile: nil)
        #expect(defaults.dataDirectory == "./var")
    }

    @Test func unknownConfigKeysAreNamed() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-\(UUID()).conf")
        try "amqp_url = x\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect { try RemitConfiguration(flags: [:], environment: [:], configFile: file.path) } throws: { error in
            "\(error)".contains(":1: unknown key 'amqp_url'")
        }
    }

    @Test func amqpURLsParseAsRabbitMQDocumentsThem() throws {
        let a = try AMQPConfiguration(url: "amqp://shop:p%40ss@broker.local:5673/shop%2Feu?heartbeat=10")
        #expect(a.host == "broker.local" && a.port == 5673 && a.user == "shop" && a.password == "p@ss")
        #expect(a.vhost == "shop/eu" && a.heartbeatSeconds == 10)
        #expect(try AMQPConfiguration(url: "amqp://localhost").vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://localhost/%2F").vhost == "/")
        #expect(try AMQPConfiguration(url: "amqp://localhost/remit").vhost == "remit")
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "http://localhost") }
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "amqp://localhost?heartbeat=x") }
    }

    @Test func passwordsNeverShowInDescriptionsOrErrors() throws {
        let configuration = try AMQPConfiguration(url: "amqp://shop:hunter2@broker/%2F")
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(AMQPConfiguration.redact("amqp://shop:hunter2@broker/") == "amqp://shop:***@broker/")
        do {
            _ = try AMQPConfiguration(url: "amqps://shop:hunter2@broker/")
            Issue.record("amqps should be refused")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
