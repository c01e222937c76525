import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import ServiceLifecycle

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
