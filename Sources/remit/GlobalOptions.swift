import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import ServiceLifecycle
import Synchronization

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("amqp-url"),
        help:
            "Broker URL (REMIT_AMQP_URL); amqps://…?cacertfile=F[&certfile=F&keyfile=F] for TLS. Default amqp://guest:guest@127.0.0.1:5672/%2F"
    )
    var amqpURL: String?

    @Option(
        name: .customLong("management-url"),
        help: "Management API URL (REMIT_MANAGEMENT_URL). Default http://<amqp host>:15672, https://<amqp host>:15671 for amqps")
    var managementURL: String?

    @Option(name: .customLong("data-dir"), help: "Local state directory (REMIT_DATA_DIR). Default ./var")
    var dataDir: String?

    @Option(name: .customLong("topology-dir"), help: "Topology directory (REMIT_TOPOLOGY_DIR). Default ./Topology")
    var topologyDir: String?

    @Option(name: .customLong("log-level"), help: "Log level (REMIT_LOG_LEVEL). Default info")
    var logLevel: String?

    @Option(name: .customLong("job-schedule"), help: "HQ job intervals, e.g. P-0001=300,Distribution=600 (REMIT_JOB_SCHEDULE)")
    var jobSchedule: String?

    @Option(name: .customLong("password-cost"), help: "bcrypt cost of passwords set (REMIT_PASSWORD_COST). Default 12")
    var passwordCost: String?

    @Option(name: .customLong("mixed-cart"), help: "true: one cart may hold invoices and items (REMIT_MIXED_CART). Default false")
    var mixedCart: String?

    @Option(
        name: .customLong("on-account-invoices"),
        help: "false: invoices cannot be paid on account (REMIT_ON_ACCOUNT_INVOICES). Default true")
    var onAccountInvoices: String?

    @Option(
        name: .customLong("request-merge-seconds"),
        help: "Repeated copy requests within this join the first (REMIT_REQUEST_MERGE_SECONDS). Default 300")
    var requestMergeSeconds: String?

    @Option(
        name: .customLong("smtp-url"),
        help: "SMTP server smtp://user:pass@host:port?starttls=required (REMIT_SMTP_URL). Default: the file outbox")
    var smtpURL: String?

    @Option(name: .customLong("mail-from"), help: "From of invoice e-mails (REMIT_MAIL_FROM)")
    var mailFrom: String?

    @Option(name: .customLong("seller-name"), help: "The shop's name on invoice PDFs (REMIT_SELLER_NAME). Default: no seller block")
    var sellerName: String?

    @Option(
        name: .customLong("seller-address"), help: "The shop's address on invoice PDFs, lines separated by | (REMIT_SELLER_ADDRESS)")
    var sellerAddress: String?

    @Option(name: .customLong("portal-host"), help: "Address the buyer portal listens on (REMIT_PORTAL_HOST). Default 127.0.0.1")
    var portalHost: String?

    @Option(name: .customLong("portal-port"), help: "The buyer portal's port, 0 for any free one (REMIT_PORTAL_PORT). Default 8080")
    var portalPort: String?

    @Option(
        name: .customLong("portal-secure-cookies"),
        help: "true: the portal's cookies are Secure, for a portal reached over TLS (REMIT_PORTAL_SECURE_COOKIES). Default false")
    var portalSecureCookies: String?

    @Option(
        name: .customLong("portal-trusted-proxies"),
        help:
            "IP addresses of proxies in front of the portal, comma-separated; the sign-in limit counts the client they name in X-Forwarded-For (REMIT_PORTAL_TRUSTED_PROXIES)"
    )
    var portalTrustedProxies: String?

    @Option(
        name: .customLong("metrics-port"),
        help: "Serve Prometheus metrics on /metrics at this port, 0 for any free one (REMIT_METRICS_PORT). Default: none")
    var metricsPort: String?

    @Option(name: .customLong("metrics-host"), help: "The address /metrics listens on (REMIT_METRICS_HOST). Default 127.0.0.1")
    var metricsHost: String?

    @Option(
        name: .customLong("portal-amqp-url"),
        help: "Broker URL the portal publishes commands with, a publish-only user (REMIT_PORTAL_AMQP_URL). Default: --amqp-url")
    var portalAMQPURL: String?

    @Option(
        name: .customLong("inbox-retention-days"),
        help: "Days applied messages stay in the inbox, the de-duplication horizon (REMIT_INBOX_RETENTION_DAYS). Default 14")
    var inboxRetentionDays: String?

    @Option(
        name: .customLong("store"),
        help:
            "PostgreSQL URL of the channel and operations stores, postgres://user:pass@host:port/db?sslmode=… (REMIT_STORE_URL). Default: SQLite in --data-dir"
    )
    var storeURL: String?

    @Option(
        name: .customLong("host-name"),
        help: "This host's name in control queues, consumer tags and remit status (REMIT_HOST_NAME). Default: the machine's")
    var hostName: String?

    @Option(name: .customLong("config"), help: "Config file of 'key = value' lines (REMIT_CONFIG)")
    var configFile: String?

    /// - Parameter overrides: a subcommand's own flags for a key, over the global flags.
    func resolve(overrides: [RemitConfiguration.Key: String] = [:]) throws -> RemitConfiguration {
        var flags: [RemitConfiguration.Key: String] = [:]
        flags[.amqpURL] = amqpURL
        flags[.managementURL] = managementURL
        flags[.dataDir] = dataDir
        flags[.topologyDir] = topologyDir
        flags[.logLevel] = logLevel
        flags[.jobSchedule] = jobSchedule
        flags[.passwordCost] = passwordCost
        flags[.mixedCart] = mixedCart
        flags[.onAccountInvoices] = onAccountInvoices
        flags[.requestMergeSeconds] = requestMergeSeconds
        flags[.smtpURL] = smtpURL
        flags[.mailFrom] = mailFrom
        flags[.sellerName] = sellerName
        flags[.sellerAddress] = sellerAddress
        flags[.portalHost] = portalHost
        flags[.portalPort] = portalPort
        flags[.portalSecureCookies] = portalSecureCookies
        flags[.portalTrustedProxies] = portalTrustedProxies
        flags[.metricsPort] = metricsPort
        flags[.metricsHost] = metricsHost
        flags[.inboxRetentionDays] = inboxRetentionDays
        flags[.portalAMQPURL] = portalAMQPURL
        flags[.storeURL] = storeURL
        flags[.hostName] = hostName
        flags.merge(overrides) { _, override in override }
        let environment = ProcessInfo.processInfo.environment
        let configuration = try RemitConfiguration(
            flags: flags, environment: environment,
            configFile: configFile ?? environment["REMIT_CONFIG"])
        guard let level = Logger.Level(rawValue: configuration[.logLevel] ?? "info") else {
            throw ValidationError("log level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSetup.bootstrapOnce(level: level)
        return configuration
    }
}
