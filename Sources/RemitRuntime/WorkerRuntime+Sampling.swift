import RemitAMQP

/// What an operator's alerts read about the broker's side of a kind: the work queue's depth and
/// the connections the broker blocks.
extension WorkerRuntime {
    /// Between two samples.
    static var sampleInterval: Duration { .seconds(5) }

    /// Until a drain, every `sampleInterval`: how many of this kind's connections the broker blocks
    /// (`remit_broker_blocked_connections`), and the work queue's ready messages
    /// (`remit_queue_ready_messages`), read with a passive declare on a connection of its own — one
    /// that never publishes, so a blocking broker still answers it, and that carries no deliveries.
    func sampleTheBroker() async {
        var sampler: AMQPConnection?
        while !isStopping {
            let connections = control.withLock { $0.connections.values.flatMap { $0 } }
            metrics.blockedConnections.record(connections.filter { $0.blockedReason != nil }.count)
            do {
                if sampler == nil {
                    sampler = try await AMQPConnection.connect(amqp.named("remit \(kind.name) sampler"), logger: logger)
                }
                if let sampler { metrics.queueReady.record(try await sampler.inspectQueue(kind.queue).messageCount) }
            } catch {
                // The consumers report a broker that is away; the next sample connects again.
                logger.debug("queue sample failed", metadata: ["queue": "\(kind.queue)", "error": "\(error)"])
                if let lost = sampler { await lost.close() }
                sampler = nil
            }
            await sleepUnlessDraining(Self.sampleInterval)
        }
        if let sampler { await sampler.close() }
    }
}
