import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import ServiceLifecycle

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
