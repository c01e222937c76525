import ArgumentParser
import Foundation
import Logging
import RemitClient
import RemitCore
import RemitOperations
import RemitSQLite
import RemitStore

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
            let hqPath = "\(configuration.dataDirectory)/\(HQStore.fileName)"
            // Jobs are one part of the status: a store this process cannot read says so in its place.
            var hq: HQStore?
            var hqProblem = "no HQ store in this data directory"
            if FileManager.default.fileExists(atPath: hqPath) {
                do { hq = try HQStore(dataDirectory: configuration.dataDirectory, readOnly: true) } catch { hqProblem = "\(error)" }
            }
            let operationsPath = "\(configuration.dataDirectory)/\(OperationsStore.fileName)"
            let operations =
                FileManager.default.fileExists(atPath: operationsPath)
                ? try? OperationsStore(path: operationsPath, readOnly: true) : nil
            var reading = 0
            while true {
                reading += 1
                var jobs: Result<[PipelineStatus.Job], PipelineStatus.JobsUnavailable> = .failure(.init(hqProblem))
                if let hq {
                    do {
                        jobs = .success(
                            try await hq.pool.read { db in
                                try JobRun.latestPerJob(db).map {
                                    PipelineStatus.Job(
                                        job: $0.job, status: $0.status.rawValue, startedAt: $0.startedAt, finishedAt: $0.finishedAt,
                                        counts: $0.counts, error: $0.error)
                                }
                            })
                    } catch {
                        jobs = .failure(.init("\(error)"))
                    }
                }
                let kept = try await operations?.pool.read { try DeadLetter.keptByQueue($0) } ?? [:]
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
