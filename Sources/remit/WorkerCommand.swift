import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import RemitSQLite
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
    @Option(
        parsing: .unconditional,
        help:
            "Consumers, 1…64: one count for every kind (4) or by kind (payment-posting=4,email-dispatch=1); default: the kind's, from Topology/workers.json"
    )
    var consumers: String?
    @Option(parsing: .unconditional, help: "Prefetch per consumer, 1…65535 (default: the kind's)")
    var prefetch: Int?
    @Option(parsing: .unconditional, help: "Deliveries handled in one store transaction at most (default: min(prefetch, 100))")
    var batchSize: Int?
    @Flag(help: "Start without checking the broker's objects against Topology/ (no management API)")
    var skipVerify = false

    func validate() throws {
        if kinds.isEmpty { throw ValidationError("name at least one worker kind") }
        if let consumers {
            do { _ = try ConsumerCounts.parse(consumers, kinds: kinds) } catch { throw ValidationError("\(error)") }
        }
        if let prefetch, prefetch < 1 || prefetch > 65_535 { throw ValidationError("--prefetch must be within 1…65535") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        try await reportingErrors {
            let counts = try consumers.map { try ConsumerCounts.parse($0, kinds: kinds) } ?? .init()
            var plan = RemitServices.Plan(kinds: kinds, consumers: counts, prefetch: prefetch, batchSize: batchSize)
            plan.verifyTopology = !skipVerify
            try await WorkerLauncher(global: global, plan: plan).run()
        }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Run every worker kind this build has, with their default counts, the HQ job scheduler and the buyer portal, until SIGTERM/SIGINT."
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Start without checking the broker's objects against Topology/")
    var skipVerify = false
    @Flag(help: "Do not start HQ jobs on their schedule (run them with `remit hq run-job`)")
    var noScheduler = false
    @Flag(help: "Do not serve the buyer portal (run it with `remit portal`)")
    var noPortal = false
    @Option(
        parsing: .unconditional,
        help: "Consumers by kind, 1…64 each, e.g. payment-posting=4,email-dispatch=1 (others: their Topology/workers.json count)")
    var consumers: String?

    func run() async throws {
        try await reportingErrors {
            var plan = RemitServices.Plan.everything(in: try global.resolve().topology())
            if let consumers { plan.consumers = try ConsumerCounts.parse(consumers, kinds: plan.kinds) }
            plan.verifyTopology = !skipVerify
            plan.withScheduler = !noScheduler
            plan.withPortal = !noPortal
            try await WorkerLauncher(global: global, plan: plan).run()
        }
    }
}

/// Parses nothing itself: turns the options into a plan for `RemitServices` and runs the group.
struct WorkerLauncher {
    let global: GlobalOptions
    let plan: RemitServices.Plan

    func run() async throws {
        let configuration = try global.resolve()
        var plan = plan
        plan.handleSignals = false  // SignalledStart handles them, from before the start
        let logger = Logger(label: "remit.worker")
        try await SignalledStart.run(logger: logger) { try await RemitServices.build(configuration, plan: plan, logger: logger) }
    }
}
