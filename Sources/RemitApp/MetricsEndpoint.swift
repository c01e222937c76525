import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Synchronization

/// Prometheus metrics of this process on `GET /metrics`: what swift-metrics records (the workers'
/// messages by outcome, latencies, in flight, reconnects, pauses; the storefront's commands by
/// outcome) in the text exposition format.
public enum MetricsEndpoint {
    private static let bootstrapped = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-metrics with Prometheus (once per process; a second call reuses the first
    /// registry) and returns the registry.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        bootstrapped.withLock { existing in
            if let existing { return existing }
            let registry = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: registry)
            // Sub-millisecond store commits up to a stuck minute.
            factory.defaultDurationHistogramBuckets = [
                .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
            ]
            MetricsSystem.bootstrap(factory)
            existing = registry
            return registry
        }
    }

    /// The HTTP service for `listener`, to run in the process's service group.
    public static func service(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger
    ) -> some Service {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "remit-metrics"),
            onServerRunning: { channel in
                logger.info("metrics served", metadata: ["address": "\(channel.localAddress?.description ?? "?")", "path": "/metrics"])
            }, logger: logger)
    }
}
