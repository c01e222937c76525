import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitCore
import RemitRuntime
import RemitStore
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run worker kinds until SIGTERM/SIGINT, which drains them.",
        discussion: "Kinds are listed in Topology/workers.json."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Worker kinds to run")
    var kinds: [String]
    // `.unconditional`: `--consumers -3` is a value to refuse with a reason, not a missing value.
    @Option(parsing: .unconditional, help: "Consumers per kind, 1…64 (default: the kind's, from Topology/workers.json)")
    var consumers: Int?
    @Option(parsing: .unconditional, help: "Prefetch per consumer, 1…65535 (default: the kind's)")
    var prefetch: Int?
    @Option(parsing: .unconditional, help: "Deliveries handled in one store transaction at most (default: min(prefetch, 100))")
    var batchSize: Int?
    @Flag(help: "Start without checking the broker's objects against Topology/ (no management API)")
    var skipVerify = false

    func validate() throws {
        if kinds.isEmpty { throw ValidationError("name at least one worker kind") }
        if let consumers, consumers < 1 || consumers > 64 { throw ValidationError("--consumers must be within 1…64") }
        if let prefetch, prefetch < 1 || prefetch > 65_535 { throw ValidationError("--prefetch must be within 1…65535") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            try await WorkerLauncher(global: global, kinds: kinds, consumers: consumers, prefetch: prefetch,
                                     batchSize: batchSize, skipVerify: skipVerify).run()
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every worker kind this build has, with their default counts, and the HQ job scheduler, until SIGTERM/SIGINT."
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Start without checking the broker's objects against Topology/")
    var skipVerify = false
    @Flag(help: "Do not start HQ jobs on their schedule (run them with `remit hq run-job`)")
    var noScheduler = false

    func run() async throws {
        try await reportingErrors {
            let topology = try global.resolve().topology()
            let kinds = topology.workers.kinds.map(\.name).filter { WorkerKinds.handlers[$0] != nil }
            try await WorkerLauncher(global: global, kinds: kinds, consumers: nil, prefetch: nil, batchSize: nil,
                                     skipVerify: skipVerify, withScheduler: !noScheduler).run()
        }
    }
}

struct WorkerLauncher {
    let global: GlobalOptions
    let kinds: [String]
    let consumers: Int?
    let prefetch: Int?
    let batchSize: Int?
    let skipVerify: Bool
    var withScheduler = false

    func run() async throws {
        let configuration = try global.resolve()
        let logger = Logger(label: "remit.worker")
        let topology = try configuration.topology()
        let amqp = try configuration.amqp()
        let specs = try kinds.map { try topology.kind(named: $0) }
        if !skipVerify {
            let verifier = TopologyVerifier(topology: topology, management: try configuration.management())
            let differences = try await AMQPConnection.withConnection(amqp, logger: logger) { try await verifier.differences(on: $0) }
            if !differences.isEmpty {
                throw TopologyError(problems: ["the broker's objects differ from Topology/ on \(amqp); run `remit topology apply` or fix the broker:"]
                                    + differences)
            }
        }
        let dependencies = WorkerDependencies(dataDirectory: configuration.dataDirectory, logger: logger)
        let runtimes = try specs.map { spec in
            try WorkerKinds.runtime(for: spec, topology: topology, amqp: amqp, dependencies: dependencies,
                                    settings: .init(consumers: consumers ?? spec.consumers, prefetch: prefetch ?? spec.prefetch,
                                                    batchSize: batchSize))
        }
        logger.info("remit worker starting", metadata: [
            "kinds": "\(kinds.joined(separator: ","))", "amqp": "\(amqp)", "data_dir": "\(configuration.dataDirectory)",
        ])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WorkerService(runtimes: runtimes), successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if withScheduler {
            services.append(.init(service: try JobScheduler(topology: topology, amqp: amqp, logger: logger,
                                                            overrides: configuration.jobSchedule())))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
