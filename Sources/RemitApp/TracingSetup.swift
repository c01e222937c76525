import Foundation
import Logging
import OTel
import RemitCore
import ServiceLifecycle
import Synchronization
import Tracing

/// Traces over OTLP/HTTP, configured by OpenTelemetry's standard variables: on when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, off otherwise
/// or with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. `OTEL_SERVICE_NAME` (default
/// `remit`), `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and `_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`,
/// `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf`, the default, or `http/json`), `OTEL_BSP_*` and
/// the rest are read by swift-otel as the specification names them; Remit's defaults differ only in
/// the export timeouts (5 s, not 30 s).
///
/// The tracer is bootstrapped once per process (swift-distributed-tracing allows no second); the
/// returned service exports the spans and flushes them on shutdown, so it runs first in the
/// process's group (stopped last).
public enum TracingSetup {
    /// A setting Remit refuses before it starts, in one line that names the variable.
    public struct InvalidSetting: Error, CustomStringConvertible {
        public var description: String
    }

    private static let bootstrapped = Mutex(false)

    /// Whether the environment asks for traces.
    public static func isRequested(in environment: [String: String]) -> Bool {
        if ["true", "1", "yes", "on"].contains(environment["OTEL_SDK_DISABLED"]?.lowercased() ?? "") { return false }
        if let exporter = environment["OTEL_TRACES_EXPORTER"]?.lowercased(), exporter == "none" { return false }
        return !(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "").isEmpty
    }

    /// Bootstraps the tracer when the environment asks for traces and none was bootstrapped in this
    /// process yet; returns the exporting service, or nil.
    public static func service(
        environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) throws
        -> (any Service)?
    {
        guard isRequested(in: environment) else { return nil }
        try check(environment)
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "remit"
        configuration.resourceAttributes["service.version"] = RemitVersion.current
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // An unreachable collector holds a stop for at most this long (the specification's 30 s
        // defaults would hold `systemctl stop` half a minute); OTEL_BSP_EXPORT_TIMEOUT and
        // OTEL_EXPORTER_OTLP_TIMEOUT still set others.
        configuration.traces.batchSpanProcessor.exportTimeout = .seconds(5)
        configuration.traces.otlpExporter.timeout = .seconds(5)
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info(
            "traces exported over OTLP",
            metadata: [
                "endpoint":
                    "\(redacted(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? ""))",
                "service": "\(environment["OTEL_SERVICE_NAME"] ?? "remit")",
                "sampler": "\(environment["OTEL_TRACES_SAMPLER"] ?? "parentbased_always_on")",
            ])
        return backend.service
    }

    /// The log lines' `trace_id`, `span_id` and `trace_flags`, from the span a line is logged in.
    public static var loggingMetadataProvider: Logger.MetadataProvider { OTel.makeLoggingMetadataProvider() }

    /// What swift-otel would refuse with a long error, or take silently and drop every span for,
    /// said in one line first.
    static func check(_ environment: [String: String]) throws {
        for name in ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard let url = URL(string: value), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw InvalidSetting(description: "\(name) must be an http:// or https:// URL, not \(String(reflecting: redacted(value)))")
            }
        }
        for name in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard let value = environment[name], !value.isEmpty else { continue }
            guard ["http/protobuf", "http/json"].contains(value) else {
                throw InvalidSetting(
                    description: "\(name)=\(String(reflecting: String(value.prefix(40)))): Remit exports traces over OTLP/HTTP only "
                        + "(http/protobuf or http/json)")
            }
        }
        if let exporter = environment["OTEL_TRACES_EXPORTER"]?.lowercased(), !["otlp", "console", "none"].contains(exporter) {
            throw InvalidSetting(
                description:
                    "OTEL_TRACES_EXPORTER=\(String(reflecting: String(exporter.prefix(40)))): Remit exports with otlp (or console, or none)"
            )
        }
    }

    /// `value` without a user, password or query (an endpoint may carry credentials).
    static func redacted(_ value: String) -> String {
        guard var parts = URLComponents(string: value) else { return "(not a URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "(not a URL)"
    }
}
