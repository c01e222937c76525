import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
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
    @Option(
        parsing: .unconditional,
        help: "Deliveries taken as one batch at most (default: min(prefetch, 100)); a batch is also split at 4 MiB of bodies")
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
