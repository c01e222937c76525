import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitPortal
import RemitRuntime
import RemitSQLite
import RemitStore
import RemitWorkers
import ServiceLifecycle

/// The composition root: what one `remit` process runs, built from its configuration as one
/// `ServiceGroup`. `remit worker` and `remit run` only parse their arguments and call this, so a
/// test builds and runs the same group in process.
public enum RemitServices {
    /// Which worker kinds, how many of each, and whether the HQ job scheduler runs too.
    public struct Plan: Sendable {
        public var kinds: [String]
        /// Consumers per kind; a kind not given runs its default from Topology/workers.json.
        public var consumers: ConsumerCounts
        public var prefetch: Int?
        public var batchSize: Int?
        /// Check the broker's objects against `Topology/` first (needs the management API).
        public var verifyTopology = true
        public var withScheduler = false
        /// Serve the buyer portal (`portal-host`, `portal-port`) beside the workers.
        public var withPortal = false
        /// Stop on SIGTERM/SIGINT; tests drive shutdown themselves instead.
        public var handleSignals = true

        public init(kinds: [String], consumers: ConsumerCounts = .init(), prefetch: Int? = nil, batchSize: Int? = nil) {
            self.kinds = kinds
            self.consumers = consumers
            self.prefetch = prefetch
            self.batchSize = batchSize
        }

        /// Every worker kind this build has a handler for, with their default counts, the scheduler
        /// and the portal.
        public static func everything(in topology: Topology) -> Plan {
            var plan = Plan(kinds: topology.workers.kinds.map(\.name).filter { WorkerKinds.handlers[$0] != nil })
            plan.withScheduler = true
            plan.withPortal = true
            return plan
        }
    }

    /// The process's services; throws before anything runs when the configuration, the topology
    /// or (unless skipped) the broker's objects are not what Remit needs.
    public static func build(
        _ configuration: RemitConfiguration, plan: Plan, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "remit.worker")
    ) async throws -> ServiceGroup {
        let topology = try configuration.topology()
        let amqp = try configuration.amqp()
        // Before any metric is made: a worker's counters take the factory there is when it starts.
        let metrics = try metricsService(configuration, logger: logger)
        let specs = try plan.kinds.map { try topology.kind(named: $0) }
        let inboxRetention = try configuration.inboxRetention()
        let host = try configuration.processHost()
        for kind in plan.consumers.byKind.keys.sorted() where !plan.kinds.contains(kind) {
            throw TopologyError(problems: ["consumers are given for \(kind), which this process does not run"])
        }
        if plan.verifyTopology { try await verifyBroker(configuration, topology: topology, amqp: amqp, logger: logger) }
        // Before any span: OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT asks for it.
        let tracing = try TracingSetup.service(logger: logger)
        let dependencies = WorkerDependencies(
            stores: try StoreSelection.stores(configuration, logger: logger), clock: clock, logger: logger,
            workerName: "\(host.name):\(getpid())",
            policy: try configuration.storefrontPolicy(), mail: try MailSettings(configuration: configuration, logger: logger))
        let runtimes = try specs.map { spec in
            var settings = WorkerRuntime.Settings(
                consumers: plan.consumers.count(for: spec.name, otherwise: spec.consumers),
                prefetch: plan.prefetch ?? spec.prefetch, batchSize: plan.batchSize)
            settings.host = host
            return try WorkerKinds.runtime(for: spec, topology: topology, amqp: amqp, dependencies: dependencies, settings: settings)
        }
        logger.info(
            "remit worker starting",
            metadata: [
                "kinds": "\(plan.kinds.joined(separator: ","))", "host": "\(host)", "amqp": "\(amqp)",
                "data_dir": "\(configuration.dataDirectory)",
            ])
        // The exporter first, so it stops last: it flushes the spans of the workers' last batches.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = tracing.map { [.init(service: $0)] } ?? []
        services.append(
            .init(
                service: WorkerService(
                    runtimes: runtimes, scaleListener: ScaleListener(runtimes: runtimes, amqp: amqp, host: host, logger: logger)),
                successTerminationBehavior: .gracefullyShutdownGroup))
        if let metrics { services.append(.init(service: metrics)) }
        services += try await supportingServices(
            configuration, plan: plan, inboxRetention: inboxRetention, dependencies: dependencies, topology: topology, amqp: amqp,
            clock: clock, logger: logger)
        return ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: plan.handleSignals ? [.sigterm, .sigint] : [],
                logger: logger))
    }

    /// The broker's objects must be what Topology/ declares; a difference stops start-up with the list.
    static func verifyBroker(_ configuration: RemitConfiguration, topology: Topology, amqp: AMQPConfiguration, logger: Logger) async throws
    {
        let verifier = TopologyVerifier(topology: topology, management: try configuration.management())
        let differences = try await AMQPConnection.withConnection(amqp, logger: logger) { try await verifier.differences(on: $0) }
        if !differences.isEmpty {
            throw TopologyError(
                problems: ["the broker's objects differ from Topology/ on \(amqp); run `remit topology apply` or fix the broker:"]
                    + differences)
        }
    }

    /// What runs beside the workers: the inbox pruner, the job scheduler and the portal when the plan asks.
    static func supportingServices(
        _ configuration: RemitConfiguration, plan: Plan, inboxRetention: Duration, dependencies: WorkerDependencies, topology: Topology,
        amqp: AMQPConfiguration, clock: any WallClock, logger: Logger
    ) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        services.append(
            .init(
                service: InboxPruner(
                    stores: dependencies.stores.openedStores, settings: .init(retention: inboxRetention),
                    clock: clock, logger: logger)))
        if plan.withScheduler {
            services.append(
                .init(
                    service: try JobScheduler(
                        topology: topology, amqp: amqp, clock: clock, logger: logger,
                        overrides: configuration.jobSchedule())))
        }
        if plan.withPortal {
            // Last, so it stops first on shutdown: no new clicks while the workers drain. It shares
            // the workers' channel store and only reads it.
            services.append(
                .init(
                    service: try await portal(
                        configuration, channel: try dependencies.stores.channel(), topology: topology, clock: clock, logger: logger))
            )
        }
        return services
    }

    /// `remit portal`: the buyer portal alone, reading the channel store the workers keep (the
    /// SQLite file, which must exist; or PostgreSQL's, `store-url`), keeping its sessions and failed
    /// sign-ins there, and publishing commands to the broker.
    public static func buildPortalOnly(
        _ configuration: RemitConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger = Logger(label: "remit.portal")
    ) async throws -> ServiceGroup {
        _ = try PortalSettings(configuration: configuration)  // a wrong setting first, before any store is opened
        let channel = try StoreSelection.portalChannel(configuration, logger: logger)
        let metrics = try metricsService(configuration, logger: logger)
        let tracing = try TracingSetup.service(logger: logger)
        let portal = try await portal(configuration, channel: channel, topology: try configuration.topology(), clock: clock, logger: logger)
        return ServiceGroup(
            configuration: .init(
                services: [tracing, metrics].compactMap { $0 } + [portal], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }

    /// The Prometheus endpoint when `metrics-port` is set (swift-metrics bootstrapped for it), else nil.
    private static func metricsService(_ configuration: RemitConfiguration, logger: Logger) throws -> (any Service)? {
        guard let listener = try configuration.metricsListener() else { return nil }
        return MetricsEndpoint.service(
            host: listener.host, port: listener.port, registry: MetricsEndpoint.bootstrap(), logger: logger)
    }

    private static func portal(
        _ configuration: RemitConfiguration, channel: any PortalChannelStore, topology: Topology, clock: any WallClock, logger: Logger
    ) async throws -> some Service {
        try await buildPortal(
            try PortalSettings(configuration: configuration),
            PortalDependencies(
                channel: channel, publisher: BrokerCommandPublisher(amqp: try configuration.portalAMQP(), logger: logger),
                producer: Producer(topology: topology, clock: clock), passwordHasher: try configuration.passwordHasher(), clock: clock,
                logger: logger))
    }
}
