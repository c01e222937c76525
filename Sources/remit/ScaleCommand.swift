import ArgumentParser
import Foundation
import Logging
import RemitClient
import RemitOperations

struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Change how many consumers the running worker processes run, without a restart.",
        discussion: """
            KIND=N sets KIND to N consumers in every running process that runs KIND (N per process, \
            \(ConsumerCounts.range.lowerBound)…\(ConsumerCounts.range.upperBound)); a bare N sets every kind. New \
            consumers start taking messages at once; a consumer scaled away first settles what it holds. \
            The request goes through the broker (exchange '\(ScaleControl.exchange)'), so it reaches processes on \
            every machine of this vhost; each answers with its counts before and after. A restarted process \
            starts again with --consumers or Topology/workers.json. `remit status` shows the broker's consumer \
            counts.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "KIND=N … (e.g. payment-posting=4 email-dispatch=1), or N for every kind")
    var counts: [String]
    @Option(help: "Seconds to wait for the processes' answers, 1…60")
    var wait: Int = 5
    @Flag(help: "Print the answers as JSON")
    var json = false

    func validate() throws {
        guard !counts.isEmpty else { throw ValidationError("give KIND=N (e.g. payment-posting=4) or N") }
        guard (1...60).contains(wait) else { throw ValidationError("--wait must be within 1…60 seconds") }
    }

    func run() async throws {
        try await reportingErrors {
            let configuration = try global.resolve()
            let topology = try configuration.topology()
            let amqp = try configuration.amqp()
            let wanted: ConsumerCounts
            do {
                wanted = try ConsumerCounts.parse(counts.joined(separator: ","), kinds: topology.workers.kinds.map(\.name))
            } catch let invalid as ConsumerCounts.Invalid {
                throw ValidationError(invalid.description.replacingOccurrences(of: "--consumers: ", with: ""))
            }
            // How many processes listen, when the management API tells: then no need to wait out --wait.
            let listening = try? await configuration.management().queues(vhost: amqp.vhost)
                .filter { $0["name"]?.stringValue?.hasPrefix(ScaleControl.queuePrefix) == true }.count
            let replies = try await ScaleControl.send(
                wanted, amqp: amqp, expected: listening, wait: .seconds(wait), logger: Logger(label: "remit.scale"))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(replies), as: UTF8.self))
            } else {
                for reply in replies { print(Self.line(reply)) }
            }
            try Self.check(replies, wanted: wanted, listening: listening)
        }
    }

    /// `host 1234: payment-posting 2 → 4, email-dispatch 1`
    static func line(_ reply: ScaleControl.Reply) -> String {
        let kinds = reply.kinds.map { $0.from == $0.to ? "\($0.kind) \($0.to)" : "\($0.kind) \($0.from) → \($0.to)" }
        if let error = reply.error { return "\(reply.process): refused: \(error) (runs \(kinds.joined(separator: ", ")))" }
        return "\(reply.process): \(kinds.isEmpty ? "runs no worker kind" : kinds.joined(separator: ", "))"
    }

    /// A clear failure when nobody answered, a process refused, or no process runs a kind named.
    static func check(_ replies: [ScaleControl.Reply], wanted: ConsumerCounts, listening: Int?) throws {
        guard !replies.isEmpty else {
            throw ValidationError("no worker process answered within the wait (\(listening ?? 0) listening)")
        }
        if let listening, replies.count < listening {
            FileHandle.standardError.write(
                Data("remit: \(replies.count) of \(listening) listening processes answered in time\n".utf8))
        }
        let refused = replies.filter { $0.error != nil }
        if !refused.isEmpty { throw ValidationError("\(refused.count) process(es) refused the request") }
        let running = Set(replies.flatMap { $0.kinds.map(\.kind) })
        let missing = wanted.byKind.keys.filter { !running.contains($0) }.sorted()
        if !missing.isEmpty {
            throw ValidationError("no running process runs \(missing.joined(separator: ", ")); nothing to scale there")
        }
    }
}
