import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The owning thread's loop: run the mailbox's jobs, read what the broker sent, wait in `poll()`.
extension ConnectionCore {
    // MARK: the owner loop

    /// Runs on the owning thread until the connection closes or fails.
    func run() {
        let pollMilliseconds =
            configuration.heartbeatSeconds > 0
            ? Int32(min(1000, configuration.heartbeatSeconds * 250)) : 1000
        while true {
            for job in mailbox.takeAll() { job(self) }
            if isShutDown { return }
            if let failure { shutdown(failure); return }
            do {
                // Poll only after a non-blocking read came back empty, never after stopping at the
                // limit: with TLS, what OpenSSL has taken off the socket is invisible to poll().
                // (rabbitmq-c reads a whole record per SSL_read into its 128 KiB buffer and OpenSSL
                // reads no further ahead, so today nothing waits there; this keeps it so.)
                let drained = try pumpFrames(limit: 256)
                if let failure { shutdown(failure); return }
                expireConfirms()
                if !drained || !mailbox.isEmpty { continue }
                guard let state else { return }
                if amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 { continue }
                amqp_maybe_release_buffers(state)
                var descriptors = [
                    pollfd(fd: amqp_get_sockfd(state), events: Int16(POLLIN), revents: 0),
                    pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0),
                ]
                _ = poll(&descriptors, 2, pollMilliseconds)
                if descriptors[1].revents != 0 { mailbox.clearWake() }
            } catch let failure as AMQPError {
                logger.warning("AMQP connection lost", metadata: ["amqp": "\(configuration)", "error": "\(failure)"])
                shutdown(failure)
                return
            } catch {
                shutdown(self.error(.protocolError, "read from broker", detail: "\(error)"))
                return
            }
        }
    }

    /// Reads and handles frames that are already available, without waiting. Calling into
    /// rabbitmq-c here is also what sends and checks heartbeats. Returns true when it stopped
    /// because nothing more could be read without waiting (a non-blocking read came back empty),
    /// false when it stopped at `limit` or on a failure.
    @discardableResult
    func pumpFrames(limit: Int) throws -> Bool {
        let state = try liveState()
        for _ in 0..<limit {
            var frame = amqp_frame_t()
            var zero = timeval(tv_sec: 0, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return true }
            try checkStatus(status, "read from broker")
            try handle(frame)
            if failure != nil { return false }
        }
        return false
    }

    private func handle(_ frame: amqp_frame_t) throws {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        guard let decoded = method.decoded else { return }
        switch method.id {
        case Method.basicDeliver:
            try handleDelivery(decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee, channel: frame.channel)
        case Method.basicAck:
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case Method.basicNack:
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        case Method.basicReturn:
            try handleReturn(decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee, channel: frame.channel)
        case Method.channelClose:
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = Int(close.reply_code)
            let failure = error(
                Self.channelCloseKind(code: code), "use channel \(frame.channel)",
                detail: CDecode.string(close.reply_text), replyCode: code)
            acknowledgeChannelClose(frame.channel)
            channelClosed(frame.channel, failure)
        case Method.connectionClose:
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(try liveState(), 0, Method.connectionCloseOk, &ok)
            throw error(
                .connectionClosed, "keep the connection open", detail: CDecode.string(close.reply_text),
                replyCode: Int(close.reply_code))
        case Method.connectionBlocked, Method.connectionUnblocked, Method.basicCancel:
            handleNotice(method.id, decoded)
        default:
            return
        }
    }

    private func handleDelivery(_ deliver: amqp_basic_deliver_t, channel: UInt16) throws {
        let consumerTag = CDecode.string(deliver.consumer_tag)
        let tag = deliver.delivery_tag
        let redelivered = deliver.redelivered != 0
        let exchange = CDecode.string(deliver.exchange)
        let routingKey = CDecode.string(deliver.routing_key)
        let (properties, body) = try readContent(channel: channel, operation: "receive a delivery")
        let delivery = Delivery(
            deliveryTag: tag, redelivered: redelivered, exchange: exchange,
            routingKey: routingKey, consumerTag: consumerTag, body: body,
            properties: properties)
        if let consumer = consumers[consumerTag] {
            consumer.buffer.yield(delivery)
        } else {
            // Not ours to handle; the broker redelivers it when this channel closes.
            logger.warning(
                "delivery for a consumer that is gone", metadata: ["consumer_tag": "\(consumerTag)", "delivery_tag": "\(tag)"])
        }
    }

    private func handleReturn(_ returned: amqp_basic_return_t, channel: UInt16) throws {
        let exchange = CDecode.string(returned.exchange)
        let routingKey = CDecode.string(returned.routing_key)
        let reason = "\(returned.reply_code) \(CDecode.string(returned.reply_text))"
        let (properties, _) = try readContent(channel: channel, operation: "receive a returned message")
        markReturned(exchange: exchange, routingKey: routingKey, messageId: properties.messageId, reason: reason)
    }

    /// What the broker tells us unasked: flow control (connection.blocked/unblocked) and a consumer it cancelled.
    private func handleNotice(_ id: UInt32, _ decoded: UnsafeMutableRawPointer) {
        switch id {
        case Method.connectionBlocked:
            let blocked = decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee
            let reason = CDecode.string(blocked.reason)
            blockedReason = reason.isEmpty ? "resource alarm" : reason
            logger.warning(
                "the broker blocks this connection: publishes wait until it lifts the alarm",
                metadata: ["amqp": "\(configuration)", "reason": "\(blockedReason!)"])
            onEvent(.blocked(blockedReason!))
        case Method.connectionUnblocked:
            blockedReason = nil
            logger.notice("the broker unblocked this connection", metadata: ["amqp": "\(configuration)"])
            onEvent(.unblocked)
        case Method.basicCancel:
            let cancel = decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            let tag = CDecode.string(cancel.consumer_tag)
            if let consumer = consumers.removeValue(forKey: tag) {
                consumer.buffer.finish(
                    throwing: error(
                        .consumerCancelled, "consume from queue '\(consumer.queue)'",
                        detail: "the broker cancelled the consumer"))
            }
        default:
            return
        }
    }

    private func readContent(channel: UInt16, operation: String) throws -> (AMQPProperties, [UInt8]) {
        let state = try liveState()
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        try check(reply, operation, channel: channel)
        defer { amqp_destroy_message(&message) }
        return (CDecode.properties(message.properties), CDecode.array(message.body))
    }

    private func channelClosed(_ channel: UInt16, _ failure: AMQPError) {
        switch channel {
        case Channel.publish.rawValue:
            failAllPending(failure)
        case Channel.consume.rawValue:
            for (_, consumer) in consumers { consumer.buffer.finish(throwing: failure) }
            consumers.removeAll()
        default:
            break
        }
    }
}
