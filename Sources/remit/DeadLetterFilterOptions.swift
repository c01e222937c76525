import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitStore

/// The filters every dead-letter subcommand takes.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(help: "A worker kind, its queue or its dead-letter queue (repeatable)") var queue: [String] = []
    @Option(help: "Message type, e.g. smoke.record") var type: String?
    @Option(
        help: "A reason (bad-input, retries-exhausted, id-conflict, unsendable-follow-up, delivery-limit) or any part of the last error"
    )
    var reason: String?
    @Option(help: "Failed at or after: a timestamp, a date, or a time ago (30m, 2h, 7d)") var since: String?
    @Option(help: "Failed before: a timestamp, a date, or a time ago") var until: String?
    @Option(name: .customLong("id"), help: "A message id (repeatable)") var ids: [String] = []

    func resolve(topology: Topology) throws -> DeadLetterFilter {
        let now = Date()
        return DeadLetterFilter(
            queues: try queue.map { try DeadLetterInput.queue($0, topology: topology) }, type: type, reason: reason,
            since: try since.map { try DeadLetterInput.time($0, option: "--since", now: now) },
            until: try until.map { try DeadLetterInput.time($0, option: "--until", now: now) }, messageIds: ids)
    }

    /// The filter as given, for the audit.
    var described: String {
        var parts: [String] = queue.map { "--queue \($0)" } + ids.map { "--id \($0)" }
        if let type { parts.append("--type \(type)") }
        if let reason { parts.append("--reason '\(reason)'") }
        if let since { parts.append("--since \(since)") }
        if let until { parts.append("--until \(until)") }
        return parts.isEmpty ? "all" : parts.joined(separator: " ")
    }
}
