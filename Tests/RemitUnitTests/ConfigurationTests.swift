import Foundation
import RemitCore
@testable import RemitClient
@testable import RemitOperations
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

    @Test func theSellerIsANameWithAddressLinesAndABadOneIsOneLine() throws {
        func seller(_ environment: [String: String]) throws -> RemitCore.Seller? {
            try RemitConfiguration(flags: [:], environment: environment, configFile: nil).seller()
        }
        #expect(try seller([:]) == nil)
        let shop = try seller([
            "REMIT_SELLER_NAME": " Remit Shop B.V. ", "REMIT_SELLER_ADDRESS": "Keizersgracht 1 | | 1015 CJ Amsterdam|NL",
        ])
        #expect(shop == RemitCore.Seller(name: "Remit Shop B.V.", address: ["Keizersgracht 1", "1015 CJ Amsterdam", "NL"]))
        let refusals: [([String: String], String)] = [
            (["REMIT_SELLER_ADDRESS": "Keizersgracht 1"], "seller-address is set without seller-name"),
            (["REMIT_SELLER_NAME": String(repeating: "x", count: 121)], "at most 120"),
            (["REMIT_SELLER_NAME": "Shop", "REMIT_SELLER_ADDRESS": "a|b|c|d|e|f|g"], "7 lines; at most 6"),
            (["REMIT_SELLER_NAME": "Shop\u{7}"], "control character"),
            (["REMIT_SELLER_NAME": "Shop", "REMIT_SELLER_ADDRESS": "Street\r\nBcc: x@evil.example"], "control character"),
        ]
        for (environment, reason) in refusals {
            #expect(throws: ConfigurationError.self, "\(reason)") { try seller(environment) }
            #expect(printedError { _ = try seller(environment) }.contains(reason), "\(reason)")
        }
    }

    @Test func aHashAfterAValueStartsAComment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-\(UUID()).conf")
        try """
        data-dir = /srv/remit   # where the stores live
        amqp-url = amqp://shop:p%23ss@broker/%2F #the broker
        log-level = warning#not a comment: no space before it
        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try RemitConfiguration(flags: [:], environment: [:], configFile: file.path)
        #expect(configuration[.dataDir] == "/srv/remit")
        #expect(configuration[.amqpURL] == "amqp://shop:p%23ss@broker/%2F")
        #expect(try configuration.amqp().password == "p#ss")
        #expect(configuration[.logLevel] == "warning#not a comment: no space before it")
    }

    @Test func thePortalListensWhereItIsToldAndRefusesWhatIsNoPortOrHost() throws {
        let defaults = try RemitConfiguration(flags: [:], environment: [:], configFile: nil).portalListener()
        #expect(defaults.host == "127.0.0.1" && defaults.port == 8080 && !defaults.secureCookies)
        let set = try RemitConfiguration(
            flags: [.portalPort: "0"], environment: ["REMIT_PORTAL_HOST": "0.0.0.0", "REMIT_PORTAL_SECURE_COOKIES": "true"],
            configFile: nil
        ).portalListener()
        #expect(set.host == "0.0.0.0" && set.port == 0 && set.secureCookies)
        for (key, value, message) in [
            (RemitConfiguration.Key.portalPort, "65536", "portal-port: '65536' is not a port number"),
            (.portalPort, "-1", "portal-port: '-1' is not a port number"),
            (.portalPort, "http", "portal-port: 'http' is not a port number"),
            (.portalHost, "host/path", "portal-host: 'host/path' is not a host name"),
            (.portalSecureCookies, "maybe", "portal-secure-cookies: 'maybe' is not true or false"),
        ] {
            let configuration = try RemitConfiguration(flags: [key: value], environment: [:], configFile: nil)
            #expect { try configuration.portalListener() } throws: { "\($0)".contains(message) }
        }
    }

    @Test func trustedProxiesAreIPAddressesAndNothingElse() throws {
        #expect(try RemitConfiguration(flags: [:], environment: [:], configFile: nil).portalTrustedProxies().isEmpty)
        let set = try RemitConfiguration(
            flags: [:], environment: ["REMIT_PORTAL_TRUSTED_PROXIES": "10.0.0.1, ::1,FD00::7"], configFile: nil)
        #expect(try set.portalTrustedProxies() == ["10.0.0.1", "::1", "fd00::7"])
        for value in ["proxy.example", "10.0.0.1; rm", "1234", "10.0.0.1,proxy"] {
            let configuration = try RemitConfiguration(flags: [.portalTrustedProxies: value], environment: [:], configFile: nil)
            #expect { try configuration.portalTrustedProxies() } throws: { "\($0)".hasPrefix("portal-trusted-proxies: '") }
        }
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

    @Test func anAMQPURLMayNameEveryNodeOfACluster() throws {
        let cluster = try AMQPConfiguration(url: "amqp://shop:p%40ss@node1:5701,node2:5702,node3,[::1]:5704/remit?heartbeat=5")
        #expect(cluster.host == "node1" && cluster.port == 5701 && cluster.vhost == "remit" && cluster.heartbeatSeconds == 5)
        #expect(
            cluster.endpoints == [
                AMQPEndpoint(host: "node1", port: 5701), AMQPEndpoint(host: "node2", port: 5702), AMQPEndpoint(host: "node3", port: 5672),
                AMQPEndpoint(host: "::1", port: 5704),
            ])
        #expect("\(cluster)" == "amqp://shop:***@node1:5701,node2:5702,node3:5672,[::1]:5704/remit")
        #expect(cluster.at(AMQPEndpoint(host: "node2", port: 5702)).endpoints == [AMQPEndpoint(host: "node2", port: 5702)])
        #expect(try AMQPConfiguration(url: "amqps://u:p@a,b:5999").endpoints.map(\.port) == [5671, 5999])
        #expect(try AMQPConfiguration(url: "amqp://localhost").otherEndpoints.isEmpty)
        for bad in [
            "amqp://u:pw-s3cr3t@a,,b/", "amqp://u:pw-s3cr3t@a,b:port/", "amqp://u:pw-s3cr3t@a,b:0/", "amqp://u:pw-s3cr3t@a,b c/",
            "amqp://u:pw-s3cr3t@a,b:70000", "amqp://u:pw-s3cr3t@a,",
        ] {
            #expect { try AMQPConfiguration(url: bad) } throws: { error in
                (error as? AMQPError)?.code == .invalidConfiguration && !"\(error)".contains("s3cr3t")
            }
        }
    }

    /// URLs as people mistype them. Each password ends in `s3cr3t` after the character that trips
    /// the parser, so a redaction that stops early still shows it.
    static let malformedURLs = [
        "amqp//user:pw-s3cr3t@host", "amqp:/user:pw-s3cr3t@host", "user:pw-s3cr3t@host", "amqp://user:pw-s3cr3t@",
        "amqp://user:p@s3cr3t@host", "amqp://user:pw/s3cr3t@host", "amqp://user:pw#s3cr3t@host",
        "amqp://user:pw?s3cr3t@host", "amqp://user:pw%zzs3cr3t@host", "amqp://user:pw s3cr3t@host",
        "amqps://user:pw-s3cr3t@host", "amqp://user:pw-s3cr3t@host:port/", "amqp://user:pw-s3cr3t@host/a/b",
        "amqp://user:pw-s3cr3t", "amqp:/user:pw/s3cr3t", "user:pw-s3cr3t", "amqp://user:pw-s3cr3t@host?heartbeat=x",
    ]

    static let malformedManagementURLs =
        malformedURLs.map { $0.replacingOccurrences(of: "amqp", with: "http") }
        + ["http//admin:pw-s3cr3t@host:15672", "https://admin:pw-s3cr3t@host:15672", "ftp://admin:pw-s3cr3t@host"]

    @Test(arguments: malformedURLs)
    func malformedAMQPURLsNeverShowThePassword(url: String) {
        #expect(!AMQPConfiguration.redact(url).contains("s3cr3t"), "\(AMQPConfiguration.redact(url))")
        do {
            let configuration = try AMQPConfiguration(url: url)
            #expect(!"\(configuration)".contains("s3cr3t") && !configuration.host.contains("s3cr3t"))
        } catch {
            #expect(!"\(error)".contains("s3cr3t"), "\(error)")
        }
    }

    @Test(arguments: malformedManagementURLs)
    func malformedManagementURLsNeverShowThePassword(url: String) {
        #expect(!AMQPConfiguration.redact(url).contains("s3cr3t"), "\(AMQPConfiguration.redact(url))")
        do {
            // The base URL is what the management API's errors print.
            let management = try BrokerManagement(amqp: AMQPConfiguration(), explicit: url)
            #expect(!management.baseURL.absoluteString.contains("s3cr3t"), "\(management.baseURL)")
        } catch {
            #expect(!"\(error)".contains("s3cr3t"), "\(error)")
        }
    }

    @Test func remitConfigurationErrorsNeverShowAPassword() throws {
        for url in Self.malformedURLs {
            let configuration = try RemitConfiguration(flags: [.amqpURL: url], environment: [:], configFile: nil)
            let printed = printedError { _ = try configuration.amqp() }
            #expect(!printed.contains("s3cr3t"), "\(printed)")
        }
        for url in Self.malformedManagementURLs {
            let configuration = try RemitConfiguration(flags: [.managementURL: url], environment: [:], configFile: nil)
            let printed = printedError { _ = try configuration.management() }
            #expect(!printed.contains("s3cr3t"), "\(printed)")
        }
        // A config line whose '=' is missing or sits inside the password.
        for line in [
            "amqp-url: amqp://user:pw-s3cr3t@host", "amqp-url amqp://user:pw=s3cr3t@host",
            "amqp://user:pw-s3cr3t@host = x",
        ] {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("remit-\(UUID()).conf")
            try (line + "\n").write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            #expect { try RemitConfiguration(flags: [:], environment: [:], configFile: file.path) } throws: { error in
                "\(error)".contains(":1:") && !"\(error)".contains("s3cr3t")
            }
        }
    }

    @Test func passwordsNeverShowInDescriptionsOrErrors() throws {
        let configuration = try AMQPConfiguration(url: "amqp://shop:hunter2@broker/%2F")
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(AMQPConfiguration.redact("amqp://shop:hunter2@broker/") == "amqp://shop:***@broker/")
        #expect(AMQPConfiguration.redact("amqp://shop:hun@ter2@broker/") == "amqp://shop:***@broker/")
        #expect(AMQPConfiguration.redact("amqp//shop:hunter2@broker") == "amqp//***@broker")
        #expect(AMQPConfiguration.redact("amqp://shop:hunter2") == "amqp://shop:***")
        #expect(AMQPConfiguration.redact("amqp://[::1]:5672/%2F") == "amqp://[::1]:5672/%2F", "no credentials, nothing hidden")
        let tls = try AMQPConfiguration(url: "amqps://shop:hunter2@broker/")
        #expect("\(tls)" == "amqps://shop:***@broker:5671/%2F")
        #expect { try AMQPConfiguration(url: "amqps://shop:hunter2@broker/?verify=maybe") } throws: { error in
            !"\(error)".contains("hunter2") && "\(error)".contains("verify must be verify_peer or verify_none")
        }
    }
}

/// What `body` throws, as `remit` would print it; empty when it succeeds.
private func printedError(_ body: () throws -> Void) -> String {
    do {
        try body()
        return ""
    } catch {
        return "\(error)"
    }
}
