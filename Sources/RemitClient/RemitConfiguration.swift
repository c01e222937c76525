import Foundation
import RemitAMQP
import RemitCore
import RemitMessages

/// Remit's settings, resolved from (highest first) command-line flags, the environment
/// (`REMIT_<KEY>` with `-` as `_`), an optional config file of `key = value` lines, and defaults.
public struct RemitConfiguration: Sendable {
    public enum Key: String, CaseIterable, Sendable {
        case amqpURL = "amqp-url"
        case managementURL = "management-url"
        case dataDir = "data-dir"
        case topologyDir = "topology-dir"
        case logLevel = "log-level"
        case jobSchedule = "job-schedule"
        case passwordCost = "password-cost"
        case mixedCart = "mixed-cart"
        case onAccountInvoices = "on-account-invoices"
        case requestMergeSeconds = "request-merge-seconds"
        case smtpURL = "smtp-url"
        case mailFrom = "mail-from"
        case portalHost = "portal-host"
        case portalPort = "portal-port"
        case portalSecureCookies = "portal-secure-cookies"
        case portalTrustedProxies = "portal-trusted-proxies"
        case metricsHost = "metrics-host"
        case metricsPort = "metrics-port"
        case inboxRetentionDays = "inbox-retention-days"
        case portalAMQPURL = "portal-amqp-url"
        case storeURL = "store-url"
        case hostName = "host-name"
        case sellerName = "seller-name"
        case sellerAddress = "seller-address"

        public var environmentName: String { "REMIT_" + rawValue.uppercased().replacingOccurrences(of: "-", with: "_") }

        public var defaultValue: String? {
            switch self {
            case .amqpURL: return "amqp://guest:guest@127.0.0.1:5672/%2F"
            case .managementURL: return nil
            case .dataDir: return "./var"
            case .topologyDir: return nil
            case .logLevel: return "info"
            case .jobSchedule: return nil
            case .passwordCost: return String(PasswordHasher.defaultCost)
            case .mixedCart: return "false"
            case .onAccountInvoices: return "true"
            case .requestMergeSeconds: return "300"
            case .smtpURL: return nil
            case .mailFrom: return "Remit <invoices@remit.invalid>"
            case .portalHost: return "127.0.0.1"
            case .portalPort: return "8080"
            case .portalSecureCookies: return "false"
            case .portalTrustedProxies: return nil
            case .metricsHost: return "127.0.0.1"
            case .metricsPort: return nil
            case .inboxRetentionDays: return "14"
            case .portalAMQPURL: return nil
            case .storeURL: return nil
            case .hostName: return nil
            case .sellerName: return nil
            case .sellerAddress: return nil
            }
        }

        public var help: String {
            switch self {
            case .amqpURL:
                return
                    "Broker URL amqp://user:pass@host:port/vhost (vhost '/' is %2F); amqps://… for TLS, with ?cacertfile=F, &certfile=F&keyfile=F, &verify=verify_none, &server_name_indication=NAME"
            case .managementURL:
                return
                    "RabbitMQ management API, default http://<amqp host>:15672 (https://<amqp host>:15671 with the AMQP URL's TLS files for amqps) with the AMQP credentials"
            case .dataDir: return "Directory for all local state: stores, e-mail outbox"
            case .topologyDir: return "The Topology/ directory; default ./Topology, else the source checkout's"
            case .logLevel: return "trace, debug, info, notice, warning, error or critical"
            case .jobSchedule: return "HQ job intervals in seconds, e.g. 'P-0001=300,Distribution=600' (default: Topology/workers.json)"
            case .passwordCost: return "bcrypt cost (log2 rounds, 4…31) of passwords set with remit users set-password"
            case .mixedCart: return "true lets one cart hold invoices and items together (the seed's cart rule is off)"
            case .onAccountInvoices: return "false forbids paying invoices on account (the seed allows it)"
            case .requestMergeSeconds: return "a copy request repeated within this many seconds joins the first (0…86400)"
            case .smtpURL:
                return
                    "SMTP server smtp://user:pass@host:port?starttls=required|optional|off (smtps:// for TLS); unset: the file outbox DATA_DIR/outbox"
            case .mailFrom: return "The From of invoice e-mails, 'Name <address>' or an address"
            case .portalHost: return "The address the buyer portal listens on"
            case .portalPort: return "The buyer portal's TCP port (0…65535; 0 picks a free one)"
            case .portalSecureCookies: return "true marks the portal's cookies Secure: set it when the portal is reached over TLS"
            case .portalTrustedProxies:
                return "IP addresses of proxies in front of the portal, comma-separated; their X-Forwarded-For names the client"
            case .metricsHost: return "The address the Prometheus endpoint /metrics listens on"
            case .portalAMQPURL:
                return "Broker URL the portal publishes commands with (a user that may only publish to them); default: amqp-url"
            case .inboxRetentionDays:
                return "Days an applied message stays in a store's inbox (1…3650): the de-duplication horizon; older records are pruned"
            case .metricsPort: return "The Prometheus endpoint's port (0: any free one); unset: no endpoint"
            case .storeURL:
                return
                    "PostgreSQL holding the channel and operations stores for several hosts, postgres://user:pass@host:port/db?sslmode=disable|prefer|require|verify-full&sslrootcert=F&pool_size=N; unset: SQLite files in data-dir (HQ's stays there)"
            case .hostName:
                return
                    "The name of this host in control queues, consumer tags and remit status (letters, digits, - _ .); default: the machine's"
            case .sellerName: return "The shop's name printed at the top of invoice PDFs; unset: no seller block"
            case .sellerAddress: return "The shop's address on invoice PDFs, lines separated by | (at most 6 of 120 characters)"
            }
        }
    }

    public private(set) var values: [Key: String]

    /// - Parameters:
    ///   - flags: values given on the command line.
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    ///   - configFile: a path given by `--config` or `REMIT_CONFIG`; nil for none.
    public init(flags: [Key: String], environment: [String: String], configFile: String?) throws {
        var values: [Key: String] = [:]
        for key in Key.allCases { if let value = key.defaultValue { values[key] = value } }
        if let configFile { for (key, value) in try Self.readConfigFile(configFile) { values[key] = value } }
        for key in Key.allCases { if let value = environment[key.environmentName], !value.isEmpty { values[key] = value } }
        for (key, value) in flags { values[key] = value }
        self.values = values
    }

    public subscript(key: Key) -> String? { values[key] }

    public static func readConfigFile(_ path: String) throws -> [Key: String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(.unreadableFile, "cannot read config file \(path): \(error.localizedDescription)")
        }
        var values: [Key: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError(.malformedLine, "\(path):\(number + 1): expected 'key = value'")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard let key = Key(rawValue: name) else {
                // A line like `amqp-url: amqp://user:pw=…` puts part of a password before the '=';
                // only something shaped like a key name is echoed.
                let isKeyShaped = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
                let shown = isKeyShaped ? "'\(name)'" : "(not shown: it is no key name)"
                throw ConfigurationError(
                    .unknownKey,
                    "\(path):\(number + 1): unknown key \(shown); known keys: \(Key.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            values[key] = Self.withoutComment(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        return values
    }

    /// `# …` after a value is a comment, as on a line of its own: a `#` at the value's start or
    /// after white space. (A `#` inside a URL's password is written `%23`, as URLs require.)
    static func withoutComment(_ value: Substring) -> Substring {
        var previous: Character = " "
        for index in value.indices {
            if value[index] == "#", previous.isWhitespace { return value[..<index] }
            previous = value[index]
        }
        return value
    }

    public func amqp() throws -> AMQPConfiguration {
        try AMQPConfiguration(url: self[.amqpURL]!)
    }

    /// The broker URL the portal publishes buyers' commands with: `portal-amqp-url` when set (a
    /// broker user that may only publish), else `amqp-url`.
    public func portalAMQP() throws -> AMQPConfiguration {
        guard let url = self[.portalAMQPURL]?.trimmingCharacters(in: .whitespaces), !url.isEmpty else { return try amqp() }
        return try AMQPConfiguration(url: url)
    }

    public var dataDirectory: String { self[.dataDir]! }

    /// `job-schedule` as job name → seconds; names are matched by the job scheduler.
    public func jobSchedule() throws -> [String: Int] {
        guard let text = self[.jobSchedule], !text.isEmpty else { return [:] }
        var schedule: [String: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let seconds = Int(parts[1]), seconds >= 1 else {
                throw ConfigurationError(.invalidValue, "job-schedule: '\(item)' is not JOB=SECONDS (seconds ≥ 1)")
            }
            schedule[parts[0]] = seconds
        }
        return schedule
    }

    /// The hasher for users' passwords at the configured `password-cost`.
    public func passwordHasher() throws -> PasswordHasher {
        guard let text = self[.passwordCost], let cost = Int(text) else {
            throw ConfigurationError(.invalidValue, "password-cost: '\(self[.passwordCost] ?? "")' is not a whole number")
        }
        do { return try PasswordHasher(cost: cost) } catch { throw ConfigurationError(.invalidValue, "password-cost: \(error)") }
    }

    /// A true/false setting.
    func flag(_ key: Key) throws -> Bool {
        switch self[key]?.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError(.invalidValue, "\(key.rawValue): '\(self[key]?.prefix(40) ?? "")' is not true or false")
        }
    }

    /// Where the buyer portal listens (`portal-host`, `portal-port`) and whether its cookies are
    /// Secure (`portal-secure-cookies`).
    public func portalListener() throws -> (host: String, port: Int, secureCookies: Bool) {
        guard let host = self[.portalHost]?.trimmingCharacters(in: .whitespaces), !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) })
        else {
            throw ConfigurationError(
                .invalidValue, "portal-host: '\(self[.portalHost]?.prefix(40) ?? "")' is not a host name or IP address")
        }
        guard let text = self[.portalPort], let port = Int(text), (0...65_535).contains(port) else {
            throw ConfigurationError(
                .invalidValue, "portal-port: '\(self[.portalPort]?.prefix(40) ?? "")' is not a port number from 0 to 65535")
        }
        return (host, port, try flag(.portalSecureCookies))
    }

    /// Where the process serves Prometheus metrics (`metrics-host`, `metrics-port`), or nil when
    /// `metrics-port` is not set.
    public func metricsListener() throws -> (host: String, port: Int)? {
        guard let text = self[.metricsPort]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let port = Int(text), (0...65_535).contains(port) else {
            throw ConfigurationError(.invalidValue, "metrics-port: '\(text.prefix(40))' is not a port number from 0 to 65535")
        }
        guard let host = self[.metricsHost]?.trimmingCharacters(in: .whitespaces), !host.isEmpty,
            host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) })
        else {
            throw ConfigurationError(
                .invalidValue, "metrics-host: '\(self[.metricsHost]?.prefix(40) ?? "")' is not a host name or IP address")
        }
        return (host, port)
    }

    /// The proxies whose `X-Forwarded-For` the portal believes (`portal-trusted-proxies`): IP
    /// addresses, comma-separated.
    public func portalTrustedProxies() throws -> Set<String> {
        guard let text = self[.portalTrustedProxies]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return [] }
        var proxies: Set<String> = []
        for part in text.split(separator: ",") {
            let address = part.trimmingCharacters(in: .whitespaces)
            guard !address.isEmpty, address.count <= 45, address.allSatisfy({ $0.isHexDigit || ".:".contains($0) }),
                address.contains(".") || address.contains(":")
            else {
                throw ConfigurationError(.invalidValue, "portal-trusted-proxies: '\(address.prefix(45))' is not an IP address")
            }
            proxies.insert(address.lowercased())
        }
        return proxies
    }

    /// The storefront's policy from `mixed-cart`, `on-account-invoices` and `request-merge-seconds`.
    public func storefrontPolicy() throws -> StorefrontPolicy {
        guard let text = self[.requestMergeSeconds], let seconds = Int(text), (0...86_400).contains(seconds) else {
            throw ConfigurationError(
                .invalidValue,
                "request-merge-seconds: '\(self[.requestMergeSeconds]?.prefix(40) ?? "")' is not a whole number from 0 to 86400")
        }
        return StorefrontPolicy(
            mixedCart: try flag(.mixedCart), onAccountForInvoices: try flag(.onAccountInvoices), requestMergeSeconds: seconds)
    }

    /// How long inbox records are kept: a message redelivered or re-sent later than this after it
    /// was applied is applied again.
    /// The host this process stands for: `host-name`, else the machine's host name.
    public func processHost() throws -> ProcessHost {
        guard let text = self[.hostName]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return .local }
        return try ProcessHost(text)
    }

    public func inboxRetention() throws -> Duration {
        guard let text = self[.inboxRetentionDays]?.trimmingCharacters(in: .whitespaces), let days = Int(text),
            (1...3650).contains(days)
        else {
            throw ConfigurationError(
                .invalidValue,
                "inbox-retention-days: '\(self[.inboxRetentionDays]?.prefix(40) ?? "")' is not a whole number of days from 1 to 3650")
        }
        return .seconds(days * 86_400)
    }

    /// The shop printed on invoice PDFs (`seller-name`, `seller-address`); nil without a name.
    public func seller() throws -> Seller? {
        guard let name = self[.sellerName], !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            if let address = self[.sellerAddress], !address.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ConfigurationError(.invalidValue, "seller-address is set without seller-name")
            }
            return nil
        }
        do { return try Seller(name: name, addressText: self[.sellerAddress]) } catch {
            throw ConfigurationError(.invalidValue, error.description)
        }
    }

    public func topology() throws -> Topology {
        try Topology.load(from: Topology.locate(explicit: self[.topologyDir]))
    }
}
