import Foundation
import Logging
import Metrics
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitTracing
import ServiceLifecycle
import Tracing

/// Starts HQ jobs on their schedule (`scheduleSeconds` in `Topology/workers.json`) by publishing a
/// job-run message each interval. Several schedulers may run: each run is its own message, the job
/// queues have a single active consumer, and jobs work from HQ's state, so an extra run is harmless.
public struct JobScheduler: Service {
    let topology: Topology
    let amqp: AMQPConfiguration
    let clock: any WallClock
    let logger: Logger
    /// Seconds per job name, over the topology's `scheduleSeconds`.
    let overrides: [String: Int]

    public init(
        topology: Topology, amqp: AMQPConfiguration, clock: any WallClock = SystemWallClock(), logger: Logger,
        overrides: [String: Int] = [:]
    ) throws {
        for name in overrides.keys where HQJobs.named(name) == nil {
            throw ConfigurationError(
                .unknownName, "job-schedule names unknown job '\(name)'; jobs: \(HQJobs.all.map(\.name).joined(separator: ", "))")
        }
        self.topology = topology
        self.amqp = amqp
        self.clock = clock
        self.logger = logger
        self.overrides = overrides
    }

    /// The jobs with a schedule, with their run message type and interval.
    public var schedule: [(job: HQJobDescriptor, every: Duration)] {
        topology.workers.kinds.compactMap { kind in
            guard let job = HQJobs.all.first(where: { kind.consumes.contains($0.messageType) }),
                let seconds = overrides.first(where: { HQJobs.named($0.key)?.name == job.name })?.value ?? kind.scheduleSeconds
            else { return nil }
            return (job, .seconds(seconds))
        }
    }

    public func run() async throws {
        let jobs = schedule
        guard !jobs.isEmpty else {
            // Nothing to schedule; stay up like the other services until the group shuts down.
            try? await gracefulShutdown()
            return
        }
        logger.info("job scheduler starting", metadata: ["jobs": "\(jobs.map { "\($0.job.name) every \($0.every)" })"])
        // Each job's period (`remit_job_schedule_seconds`): an alert compares the last run with it.
        for (job, every) in jobs {
            Gauge(label: "remit_job_schedule_seconds", dimensions: [("hq_job", job.name)]).record(every.components.seconds)
        }
        // Graceful shutdown cancels the loops, including one asleep until its next run.
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for (job, every) in jobs {
                    group.addTask {
                        while !Task.isCancelled {
                            do {
                                try await Self.publishRun(
                                    of: job, requestedBy: "system:scheduler", topology: topology, amqp: amqp,
                                    clock: clock, logger: logger)
                            } catch {
                                logger.warning("could not start a job run", metadata: ["job": "\(job.name)", "error": "\(error)"])
                            }
                            do { try await clock.sleep(for: every) } catch { return }
                        }
                    }
                }
            }
        }
    }

    /// Publishes one run of `job` (confirmed) and returns its run id (the message id).
    @discardableResult
    public static func publishRun(
        of job: HQJobDescriptor, requestedBy: String, topology: Topology, amqp: AMQPConfiguration,
        clock: any WallClock, logger: Logger
    ) async throws -> String {
        var message = try job.runMessage(requestedBy: requestedBy, at: clock.now())
        // Checked as the job's worker will read it, like every message Remit sends.
        try FollowUpCheck(topology: topology).check([message])
        // A run starts a trace of its own (or goes on in the caller's span); its items link to it.
        let span = MessagingSpan.send(
            .init(
                exchange: topology.workers.exchange, routingKey: message.type, messageID: message.messageId,
                correlationID: message.correlationId, bodySize: message.body.count),
            in: ServiceContext.current ?? .topLevel)
        defer { span.end() }
        span.attributes["remit.hq_job"] = job.name
        message.trace = Telemetry.traceContext(of: span.context)
        do {
            try await AMQPConnection.withConnection(amqp, logger: logger) { connection in
                try await connection.publish(message.outbound(on: topology, at: clock.now()))
            }
        } catch {
            span.recordError(error)
            throw error
        }
        return message.messageId
    }
}
