import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitRuntime
import RemitStore
import RemitWorkers

/// The pieces `scripts/bench` runs: fill a backlog, drain it through a relay on the AMQP module or
/// through the worker runtime. Each drain prints one JSON line: messages, seconds, msg/s, CPU
/// seconds per 1,000 messages and peak RSS of this process.
@main
struct RemitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remit-bench",
        abstract: "Benchmark pieces for scripts/bench.",
        subcommands: [Fill.self, Relay.self, Worker.self, Latency.self, Codec.self, DeadLetters.self, PDF.self]
    )
}

let benchLogger: Logger = {
    var logger = Logger(label: "remit.bench")
    logger.logLevel = .warning
    return logger
}()
