import ArgumentParser
import Foundation
import Logging
import RemitClient
import RemitCore
import RemitOperations

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "The pipeline now: per work queue its backlog, consumers, rates and a suggested consumer count; dead letters; HQ jobs' last runs.",
        discussion:
            "The numbers are the broker's own, as `rabbitmqctl list_queues` shows them: ready and consumers exact (over AMQP), unacked and rates as the management API last sampled them (every few seconds)."
    )
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON for machines")
    var json = false
    @Option(help: "Redraw every SECONDS (1…3600) until Ctrl-C")
    var watch: Int?
    @Option(help: "With --watch: stop after this many readings")
    var times: Int?

    func validate() throws {
        if let watch, !(1...3600).contains(watch) { throw ValidationError("--watch must be within 1…3600 seconds") }
        if let times, times < 1 { throw ValidationError("--times must be at least 1") }
        if times != nil, watch == nil { throw ValidationError("--times goes with --watch") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try global.resolve()
            let topology = try configuration.topology()
            let management = try configuration.management()
            let amqp = try configuration.amqp()
            let stores = StatusStores(configuration)
            var reading = 0
            while true {
                reading += 1
                let jobs = await stores.jobs()
                let kept = try await stores.keptDeadLetters()
                let status = try await PipelineStatus.read(
                    topology: topology, management: management, amqp: amqp, jobs: jobs, kept: kept, now: Date(),
                    logger: Logger(label: "remit.status"))
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    print(String(decoding: try encoder.encode(status), as: UTF8.self))
                } else {
                    // A screen of its own each reading when watching on a terminal.
                    if watch != nil, isatty(STDOUT_FILENO) != 0 { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                    print(status.table())
                }
                guard let watch, times.map({ reading < $0 }) ?? true else { return }
                if isatty(STDOUT_FILENO) == 0 { print("") }
                try await Task.sleep(for: .seconds(watch))
            }
        }
    }
}
