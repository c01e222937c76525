import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Consumers on channel 2 and the acks, nacks and rejects of their deliveries.
extension ConnectionCore {
    // MARK: consuming

    func consume(
        queue: String, prefetch: UInt16, consumerTag: String?,
        buffer: DeliveryBuffer
    ) throws -> String {
        let state = try liveState()
        let operation = "consume from queue '\(queue)'"
        try openChannel(.consume)
        amqp_basic_qos(state, Channel.consume.rawValue, 0, prefetch, 0)
        try check(amqp_get_rpc_reply(state), "set prefetch \(prefetch)", channel: Channel.consume.rawValue)
        let tag = try CArena.with { arena in
            let ok = amqp_basic_consume(
                state, Channel.consume.rawValue, arena.bytes(queue),
                consumerTag.map { arena.bytes($0) } ?? amqp_empty_bytes, 0, 0, 0, amqp_empty_table)
            try check(amqp_get_rpc_reply(state), operation, channel: Channel.consume.rawValue)
            guard let ok else { throw error(.protocolError, operation, detail: "no consume-ok") }
            return CDecode.string(ok.pointee.consumer_tag)
        }
        consumers[tag] = Consumer(queue: queue, buffer: buffer)
        return tag
    }

    /// Cancels a consumer. Deliveries that reached us before the cancel-ok are still handed to the
    /// stream, so the caller can finish and ack them; then the stream ends.
    func cancel(consumerTag: String) throws {
        let state = try liveState()
        guard let consumer = consumers[consumerTag] else { return }
        CArena.with { arena in _ = amqp_basic_cancel(state, Channel.consume.rawValue, arena.bytes(consumerTag)) }
        try check(amqp_get_rpc_reply(state), "cancel consumer on queue '\(consumer.queue)'", channel: Channel.consume.rawValue)
        try pumpFrames(limit: Int.max)
        consumers.removeValue(forKey: consumerTag)?.buffer.finish()
    }

    func acknowledge(_ tag: UInt64, multiple: Bool) throws {
        let state = try liveState()
        try checkStatus(amqp_basic_ack(state, Channel.consume.rawValue, tag, multiple ? 1 : 0), "ack delivery \(tag)")
    }

    func negativeAcknowledge(_ tag: UInt64, multiple: Bool, requeue: Bool) throws {
        let state = try liveState()
        try checkStatus(
            amqp_basic_nack(state, Channel.consume.rawValue, tag, multiple ? 1 : 0, requeue ? 1 : 0),
            "nack delivery \(tag)")
    }

    func reject(_ tag: UInt64, requeue: Bool) throws {
        let state = try liveState()
        try checkStatus(amqp_basic_reject(state, Channel.consume.rawValue, tag, requeue ? 1 : 0), "reject delivery \(tag)")
    }
}
