import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitStore

/// What `remit status` shows: per work queue its backlog, consumers and rates with a suggested
/// consumer count; per dead-letter queue its depth; per HQ job its last run. The numbers are the
/// broker's own, so they match `rabbitmqctl list_queues`: ready messages and consumers exact at
/// `takenAt` (a passive `queue.declare` over AMQP), unacked messages and rates as the management
/// API last sampled them (every few seconds).
public struct PipelineStatus: Sendable, Codable, Equatable {
    public struct WorkQueue: Sendable, Codable, Equatable {
        public var kind: String
        public var queue: String
        public var ready: Int
        public var unacked: Int
        public var consumers: Int
        /// Messages a second into the queue and out to consumers, as the broker last sampled them.
        public var publishRate: Double
        public var deliverRate: Double
        /// The count Topology/workers.json gives the kind.
        public var defaultConsumers: Int
        /// Consumers that would keep up with what arrives and drain the backlog within a minute.
        public var suggestedConsumers: Int
    }

    public struct DeadLetterQueue: Sendable, Codable, Equatable {
        public var kind: String
        public var queue: String
        /// Waiting in the broker's queue (`remit dead-letters` collects them into its store).
        public var depth: Int
        /// Collected and kept in the dead-letter store (`operations.sqlite`), not replayed or purged.
        public var kept: Int
        /// When the oldest kept one failed, and how long ago.
        public var oldestFailedAt: Date?
        public var oldestAgeSeconds: Double?
    }

    /// Why the HQ jobs' runs cannot be shown.
    public struct JobsUnavailable: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public struct Job: Sendable, Codable, Equatable {
        public var job: String
        public var status: String
        public var startedAt: Date
        public var finishedAt: Date?
        public var counts: String?
        public var error: String?

        public init(job: String, status: String, startedAt: Date, finishedAt: Date?, counts: String?, error: String?) {
            self.job = job
            self.status = status
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.counts = counts
            self.error = error
        }
    }

    public var vhost: String
    public var takenAt: Date
    /// Worker processes on this vhost that `remit scale` reaches (each has a control queue).
    public var workerProcesses: Int
    /// Per host, its processes and consumers per kind.
    public var hosts: [Host]
    public var workQueues: [WorkQueue]
    public var deadLetterQueues: [DeadLetterQueue]
    /// nil when this process cannot read the HQ store; `jobsUnavailable` says why.
    public var jobs: [Job]?
    public var jobsUnavailable: String?

    /// Reads the broker's numbers for every kind of `topology`: the management API's, with the
    /// ready and consumer counts of the work and dead-letter queues read exactly over `amqp`.
    public static func read(
        topology: Topology, management: BrokerManagement, amqp: AMQPConfiguration, jobs: Result<[Job], JobsUnavailable>,
        kept: [String: DeadLetter.Kept] = [:], now: Date, logger: Logger
    ) async throws -> PipelineStatus {
        let vhost = amqp.vhost
        let queues = try await management.queues(vhost: vhost)
        var byName: [String: JSONValue] = [:]
        for queue in queues { if let name = queue["name"]?.stringValue { byName[name] = queue } }
        // The management API's figures lag the queues by its sampling interval (5 s); a passive
        // declare answers with the queue's ready messages and consumers as they are. Only queues the
        // broker has are asked: asking for a missing one closes the channel.
        let names = topology.workers.kinds.flatMap { [$0.queue, $0.deadLetterQueue] }.filter { byName[$0] != nil }
        let exact = try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
            var states: [String: QueueState] = [:]
            for name in names { states[name] = try await connection.inspectQueue(name) }
            return states
        }
        var work: [WorkQueue] = []
        var dead: [DeadLetterQueue] = []
        for kind in topology.workers.kinds {
            let queue = byName[kind.queue]
            let stats = queue?["message_stats"]
            func rate(_ key: String) -> Double {
                switch stats?[key]?["rate"] {
                case .number(let value)?: return value
                case .integer(let value)?: return Double(value)
                default: return 0
                }
            }
            func count(_ value: JSONValue?) -> Int { value?.intValue.map { Int(clamping: $0) } ?? 0 }
            let ready = exact[kind.queue]?.messageCount ?? count(queue?["messages_ready"])
            let consumers = exact[kind.queue]?.consumerCount ?? count(queue?["consumers"])
            let publish = rate("publish_details")
            let deliver = rate("deliver_get_details")
            work.append(
                WorkQueue(
                    kind: kind.name, queue: kind.queue, ready: ready, unacked: count(queue?["messages_unacknowledged"]),
                    consumers: consumers, publishRate: publish, deliverRate: deliver, defaultConsumers: kind.consumers,
                    suggestedConsumers: suggestedConsumers(
                        ready: ready, consumers: consumers, publishRate: publish, deliverRate: deliver, fallback: kind.consumers)))
            let stored = kept[kind.deadLetterQueue]
            let deadQueue = byName[kind.deadLetterQueue]
            let depth =
                exact[kind.deadLetterQueue].map { $0.messageCount + count(deadQueue?["messages_unacknowledged"]) }
                ?? count(deadQueue?["messages"])
            dead.append(
                DeadLetterQueue(
                    kind: kind.name, queue: kind.deadLetterQueue, depth: depth,
                    kept: stored?.count ?? 0, oldestFailedAt: stored?.oldestFailedAt,
                    oldestAgeSeconds: stored.map { max(0, now.timeIntervalSince($0.oldestFailedAt)) }))
        }
        let hosts = Self.hosts(queues: queues, consumers: try await management.consumers(vhost: vhost), topology: topology)
        let processes = queues.filter { queue in
            queue["name"]?.stringValue?.hasPrefix(ScaleControl.queuePrefix) == true && (queue["consumers"]?.intValue ?? 0) > 0
        }
        return PipelineStatus(
            vhost: vhost, takenAt: now, workerProcesses: processes.count, hosts: hosts, workQueues: work, deadLetterQueues: dead,
            jobs: try? jobs.get(),
            jobsUnavailable: { if case .failure(let why) = jobs { return why.description } else { return nil } }())
    }

    /// The consumers a kind needs, the signal an autoscaler (KEDA's queue length scaler) acts on.
    /// With a backlog: enough to take what arrives and to drain the ready messages within
    /// `drainSeconds`, at what one (busy) consumer delivers now. Without a backlog: the running
    /// count, which keeps up. Without a measured rate: the running count, or the default when none
    /// runs (at least 1 while a backlog waits). Always within `ConsumerCounts.range`.
    public static func suggestedConsumers(
        ready: Int, consumers: Int, publishRate: Double, deliverRate: Double, fallback: Int, drainSeconds: Double = 60
    ) -> Int {
        let range = ConsumerCounts.range
        guard consumers > 0, deliverRate > 0 else {
            let count = consumers > 0 ? consumers : (ready > 0 ? max(1, fallback) : fallback)
            return min(max(count, range.lowerBound), range.upperBound)
        }
        // No backlog: the consumers keep up, and an idle consumer's rate says nothing of what it could do.
        guard ready > 0 else { return min(max(consumers, range.lowerBound), range.upperBound) }
        // A backlog: the consumers are busy, so what they deliver is what they can.
        let perConsumer = deliverRate / Double(consumers)
        let forArrivals = publishRate / perConsumer
        let forBacklog = Double(ready) / (perConsumer * drainSeconds)
        let needed = Int((max(forArrivals, forBacklog, 1)).rounded(.up))
        return min(max(needed, range.lowerBound), range.upperBound)
    }

    /// "45 s", "12 min", "3 h", "2 d".
    static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7_200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return "\(Int(seconds / 3_600)) h"
        default: return "\(Int(seconds / 86_400)) d"
        }
    }

    /// The status as a table for people.
    public func table() -> String {
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        func left(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        func rate(_ value: Double) -> String { String(format: "%.1f/s", value) }
        let kindWidth = max(4, workQueues.map(\.kind.count).max() ?? 0)
        var lines = [
            "Remit on vhost \(vhost) at \(Timestamp.format(takenAt)): \(workerProcesses) worker process\(workerProcesses == 1 ? "" : "es") (remit scale reaches them)",
            "",
        ]
        lines += hostLines()
        lines.append("")
        lines.append(
            pad("kind", kindWidth) + "  " + left("ready", 8) + left("unacked", 9) + left("consumers", 11) + left("publish", 10)
                + left("deliver", 10) + left("suggested", 11))
        for queue in workQueues {
            lines.append(
                pad(queue.kind, kindWidth) + "  " + left("\(queue.ready)", 8) + left("\(queue.unacked)", 9)
                    + left("\(queue.consumers)", 11) + left(rate(queue.publishRate), 10) + left(rate(queue.deliverRate), 10)
                    + left("\(queue.suggestedConsumers)", 11))
        }
        lines.append("")
        let waiting = deadLetterQueues.filter { $0.depth > 0 || $0.kept > 0 }
        if waiting.isEmpty {
            lines.append("dead letters: none")
        } else {
            lines.append("dead letters (remit dead-letters list):")
            lines.append("  " + pad("queue", kindWidth + 6) + left("queued", 8) + left("kept", 8) + "  oldest kept")
            for queue in waiting {
                let age = queue.oldestAgeSeconds.map { Self.age($0) + " ago" } ?? "–"
                lines.append(
                    "  " + pad(queue.queue, kindWidth + 6) + left("\(queue.depth)", 8) + left("\(queue.kept)", 8) + "  " + age)
            }
        }
        lines.append("")
        switch jobs {
        case nil: lines.append("jobs: \(jobsUnavailable ?? "unknown")")
        case let jobs? where jobs.isEmpty: lines.append("jobs: none has run yet")
        case let jobs?:
            lines.append("jobs (last run):")
            let jobWidth = jobs.map(\.job.count).max() ?? 0
            for job in jobs {
                var line = "  " + pad(job.job, jobWidth) + "  " + pad(job.status, 9) + " " + Timestamp.format(job.startedAt)
                if let counts = job.counts, !counts.isEmpty { line += "  " + counts }
                if let error = job.error { line += "  error: " + String(error.prefix(120)) }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
