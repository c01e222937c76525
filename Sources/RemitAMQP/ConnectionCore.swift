import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The rabbitmq-c connection and everything that touches it. It lives on the connection's one
/// owning thread (rabbitmq-c is blocking and not thread-safe); other threads reach it only by
/// posting jobs to its `Mailbox`.
final class ConnectionCore {
    /// Channel 1 publishes in confirm mode, 2 consumes, 3 runs declarations; a broker error on one
    /// (a 404 on publish, a 406 on declare) closes only that channel.
    enum Channel: UInt16 { case publish = 1, consume = 2, admin = 3 }

    let configuration: AMQPConfiguration
    let logger: Logger
    let mailbox: Mailbox
    private var state: amqp_connection_state_t?
    private var openChannels: Set<UInt16> = []
    /// Set once the connection is unusable; every later operation fails with it.
    private(set) var failure: AMQPError?
    private var isShutDown = false
    /// What the broker said about itself in connection.start (product, version, cluster_name).
    private(set) var serverProperties: AMQPTable = [:]
    private let onClose: @Sendable (AMQPError?) -> Void

    // Publisher confirms: sequence numbers start at 1 after confirm.select on the channel.
    private var nextPublishSequence: UInt64 = 1
    private var lowestUnconfirmed: UInt64 = 1
    private var pendingConfirms: [UInt64: PendingPublish] = [:]

    private var consumers: [String: Consumer] = [:]
    /// The broker's reason while it blocks this connection (connection.blocked); nil otherwise.
    private var blockedReason: String?
    /// Tells the `AMQPConnection` the socket (for `abandon`) and flow-control changes.
    private let onEvent: @Sendable (ConnectionEvent) -> Void

    struct Consumer {
        let queue: String
        let buffer: DeliveryBuffer
    }

    final class PublishBatch {
        var remaining: Int
        var firstError: AMQPError?
        let completion: @Sendable (AMQPError?) -> Void
        init(remaining: Int, completion: @escaping @Sendable (AMQPError?) -> Void) {
            self.remaining = remaining
            self.completion = completion
        }
    }

    struct PendingPublish {
        let batch: PublishBatch
        let exchange: String
        let routingKey: String
        let messageId: String?
        let deadline: ContinuousClock.Instant
        var returnedReason: String?
    }

    init(
        configuration: AMQPConfiguration, logger: Logger, mailbox: Mailbox,
        onEvent: @escaping @Sendable (ConnectionEvent) -> Void,
        onClose: @escaping @Sendable (AMQPError?) -> Void
    ) {
        self.configuration = configuration
        self.logger = logger
        self.mailbox = mailbox
        self.onEvent = onEvent
        self.onClose = onClose
    }

    // MARK: errors

    func error(_ kind: AMQPError.Kind, _ operation: String, detail: String? = nil, code: Int? = nil) -> AMQPError {
        AMQPError(
            kind, operation: operation, host: configuration.host, port: configuration.port,
            vhost: configuration.vhost, detail: detail, replyCode: code)
    }

    /// The one place where rabbitmq-c replies become Swift errors. A broker `channel.close` or
    /// `connection.close` is answered with close-ok here, so the library state stays consistent.
    func check(_ reply: amqp_rpc_reply_t, _ operation: String, channel: UInt16, duringLogin: Bool = false) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_NONE:
            throw error(.protocolError, operation, detail: "the broker sent no reply")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let text = String(cString: amqp_error_string2(reply.library_error))
            let closed =
                reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue
                || reply.library_error == AMQP_STATUS_SOCKET_CLOSED.rawValue
            let failure =
                duringLogin && closed
                ? error(.authenticationFailed, operation, detail: "the broker closed the connection during login")
                : error(.connectionClosed, operation, detail: text)
            self.failure = failure
            throw failure
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            guard let decoded = reply.reply.decoded else {
                throw error(.protocolError, operation, detail: "server exception without details")
            }
            if reply.reply.id == Method.connectionClose {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let code = Int(close.reply_code)
                let text = CDecode.string(close.reply_text)
                var ok = amqp_connection_close_ok_t()
                if let state { _ = amqp_send_method(state, 0, Method.connectionCloseOk, &ok) }
                let failure = error(
                    Self.connectionCloseKind(code: code, text: text, duringLogin: duringLogin),
                    operation, detail: text, code: code)
                self.failure = failure
                throw failure
            }
            if reply.reply.id == Method.channelClose {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let code = Int(close.reply_code)
                let text = CDecode.string(close.reply_text)
                acknowledgeChannelClose(channel)
                throw error(Self.channelCloseKind(code: code), operation, detail: text, code: code)
            }
            throw error(.protocolError, operation, detail: "unexpected method 0x\(String(reply.reply.id, radix: 16))")
        default:
            throw error(.protocolError, operation, detail: "unknown reply type")
        }
    }

    static func connectionCloseKind(code: Int, text: String, duringLogin: Bool) -> AMQPError.Kind {
        switch code {
        case 403 where duringLogin: return .authenticationFailed
        case 403: return .accessRefused
        case 530 where text.contains("not found"): return .unknownVhost
        case 530: return .accessRefused
        default: return .connectionClosed
        }
    }

    static func channelCloseKind(code: Int) -> AMQPError.Kind {
        switch code {
        case 403: return .accessRefused
        case 404: return .notFound
        case 406: return .preconditionFailed
        default: return .protocolError
        }
    }

    private func checkStatus(_ status: Int32, _ operation: String) throws {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        let failure = error(.connectionClosed, operation, detail: String(cString: amqp_error_string2(status)))
        self.failure = failure
        throw failure
    }

    private func liveState() throws -> amqp_connection_state_t {
        if let failure { throw failure }
        guard let state else { throw error(.connectionClosed, "use connection", detail: "not connected") }
        return state
    }

    // MARK: connect / close

    func connect() throws {
        let operation = "connect as '\(configuration.user)'"
        guard let state = amqp_new_connection() else {
            throw error(.protocolError, operation, detail: "out of memory")
        }
        self.state = state
        guard let socket = amqp_tcp_socket_new(state) else {
            throw error(.protocolError, operation, detail: "could not create a socket")
        }
        var timeout = timeval(tv_sec: configuration.connectTimeoutSeconds, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        if status != AMQP_STATUS_OK.rawValue {
            throw error(.connectionRefused, operation, detail: String(cString: amqp_error_string2(status)))
        }
        // Without these capabilities RabbitMQ sends neither connection.blocked nor basic.cancel.
        var properties: AMQPTable = [
            "capabilities": .table(["connection.blocked": .bool(true), "consumer_cancel_notify": .bool(true)])
        ]
        if let name = configuration.connectionName { properties["connection_name"] = .string(name) }
        let reply = CArena.with { arena in
            var table = arena.table(properties)
            return remit_amqp_login_plain(
                state, configuration.vhost, 0, 131_072, Int32(configuration.heartbeatSeconds),
                &table, configuration.user, configuration.password)
        }
        try check(reply, operation, channel: 0, duringLogin: true)
        serverProperties = amqp_get_server_properties(state).map { CDecode.table($0.pointee) } ?? [:]
        // Synchronous calls (declare, cancel) give up instead of hanging on a broker that stopped answering.
        var rpcTimeout = timeval(tv_sec: configuration.confirmTimeoutSeconds, tv_usec: 0)
        _ = amqp_set_rpc_timeout(state, &rpcTimeout)
        onEvent(.connected(socket: amqp_get_sockfd(state)))
        try openChannel(.publish)
        try openChannel(.consume)
    }

    private func openChannel(_ channel: Channel) throws {
        let state = try liveState()
        guard !openChannels.contains(channel.rawValue) else { return }
        amqp_channel_open(state, channel.rawValue)
        try check(amqp_get_rpc_reply(state), "open channel \(channel.rawValue)", channel: channel.rawValue)
        openChannels.insert(channel.rawValue)
        if channel == .publish {
            amqp_confirm_select(state, channel.rawValue)
            try check(amqp_get_rpc_reply(state), "enable publisher confirms", channel: channel.rawValue)
            nextPublishSequence = 1
            lowestUnconfirmed = 1
        }
    }

    private func acknowledgeChannelClose(_ channel: UInt16) {
        if let state {
            var ok = amqp_channel_close_ok_t()
            _ = amqp_send_method(state, channel, Method.channelCloseOk, &ok)
        }
        openChannels.remove(channel)
    }

    /// Ends the connection: fails what waits on it and closes the socket. Idempotent.
    func shutdown(_ reason: AMQPError?) {
        guard !isShutDown else { return }
        isShutDown = true
        if failure == nil {
            failure = reason ?? error(.connectionClosed, "use connection", detail: "the connection was closed")
        }
        let failure = self.failure!
        onClose(reason)
        failAllPending(failure)
        for (_, consumer) in consumers {
            consumer.buffer.finish(throwing: reason == nil ? nil : failure)
        }
        consumers.removeAll()
        if let state {
            if reason == nil {
                _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
            }
            amqp_destroy_connection(state)
            self.state = nil
        }
        for job in mailbox.closeAndTakeAll() { job(self) }
    }

    private func failAllPending(_ failure: AMQPError) {
        let pending = pendingConfirms
        pendingConfirms.removeAll()
        for (_, publish) in pending { settle(publish, error: failure) }
    }

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
                try pumpFrames(limit: 256)
                if let failure { shutdown(failure); return }
                expireConfirms()
                if !mailbox.isEmpty { continue }
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
    /// rabbitmq-c here is also what sends and checks heartbeats.
    private func pumpFrames(limit: Int) throws {
        let state = try liveState()
        for _ in 0..<limit {
            var frame = amqp_frame_t()
            var zero = timeval(tv_sec: 0, tv_usec: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return }
            try checkStatus(status, "read from broker")
            try handle(frame)
            if failure != nil { return }
        }
    }

    private func handle(_ frame: amqp_frame_t) throws {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let method = frame.payload.method
        guard let decoded = method.decoded else { return }
        switch method.id {
        case Method.basicDeliver:
            let deliver = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let consumerTag = CDecode.string(deliver.consumer_tag)
            let tag = deliver.delivery_tag
            let redelivered = deliver.redelivered != 0
            let exchange = CDecode.string(deliver.exchange)
            let routingKey = CDecode.string(deliver.routing_key)
            let (properties, body) = try readContent(channel: frame.channel, operation: "receive a delivery")
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
        case Method.basicAck:
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            confirm(upTo: ack.delivery_tag, multiple: ack.multiple != 0, nacked: false)
        case Method.basicNack:
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            confirm(upTo: nack.delivery_tag, multiple: nack.multiple != 0, nacked: true)
        case Method.basicReturn:
            let returned = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let exchange = CDecode.string(returned.exchange)
            let routingKey = CDecode.string(returned.routing_key)
            let reason = "\(returned.reply_code) \(CDecode.string(returned.reply_text))"
            let (properties, _) = try readContent(channel: frame.channel, operation: "receive a returned message")
            markReturned(exchange: exchange, routingKey: routingKey, messageId: properties.messageId, reason: reason)
        case Method.channelClose:
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = Int(close.reply_code)
            let failure = error(
                Self.channelCloseKind(code: code), "use channel \(frame.channel)",
                detail: CDecode.string(close.reply_text), code: code)
            acknowledgeChannelClose(frame.channel)
            channelClosed(frame.channel, failure)
        case Method.connectionClose:
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(try liveState(), 0, Method.connectionCloseOk, &ok)
            throw error(
                .connectionClosed, "keep the connection open", detail: CDecode.string(close.reply_text),
                code: Int(close.reply_code))
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

    // MARK: publishing

    func publish(_ messages: [OutboundMessage], completion: @escaping @Sendable (AMQPError?) -> Void) {
        guard !messages.isEmpty else { completion(nil); return }
        let batch = PublishBatch(remaining: messages.count, completion: completion)
        let deadline = ContinuousClock.now + .seconds(configuration.confirmTimeoutSeconds)
        var sent = 0
        do {
            let state = try liveState()
            try openChannel(.publish)
            for message in messages {
                let status = CArena.with { arena -> Int32 in
                    var properties = arena.properties(message.properties)
                    return message.body.withUnsafeBytes { body -> Int32 in
                        let bytes = amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress))
                        return amqp_basic_publish(
                            state, Channel.publish.rawValue, arena.bytes(message.exchange),
                            arena.bytes(message.routingKey), message.mandatory ? 1 : 0, 0,
                            &properties, bytes)
                    }
                }
                if status != AMQP_STATUS_OK.rawValue {
                    let failure = error(
                        .connectionClosed, "publish to exchange '\(message.exchange)'",
                        detail: String(cString: amqp_error_string2(status)))
                    self.failure = failure
                    throw failure
                }
                pendingConfirms[nextPublishSequence] = PendingPublish(
                    batch: batch, exchange: message.exchange, routingKey: message.routingKey,
                    messageId: message.properties.messageId, deadline: deadline)
                nextPublishSequence += 1
                sent += 1
            }
        } catch {
            // The messages from `sent` on never left; every caller is answered, whatever failed.
            let failure = error as? AMQPError ?? self.error(.protocolError, "publish", detail: "\(error)")
            for _ in sent..<messages.count {
                settle(
                    PendingPublish(batch: batch, exchange: "", routingKey: "", messageId: nil, deadline: deadline),
                    error: failure)
            }
        }
    }

    /// Fails publishes whose confirm is overdue, so a publisher never waits forever — the broker
    /// holds confirms back while a resource alarm blocks publishers. Called by the owner loop.
    private func expireConfirms() {
        guard let oldest = pendingConfirms[lowestUnconfirmed], oldest.deadline < ContinuousClock.now else { return }
        let now = ContinuousClock.now
        let overdue = pendingConfirms.filter { $0.value.deadline < now }
        let why = blockedReason.map { "the broker is blocking publishers (\($0))" } ?? "the broker did not answer"
        for (sequence, pending) in overdue.sorted(by: { $0.key < $1.key }) {
            pendingConfirms.removeValue(forKey: sequence)
            settle(
                pending,
                error: error(
                    .timedOut, "publish to exchange '\(pending.exchange)' with routing key '\(pending.routingKey)'",
                    detail: "no confirm within \(configuration.confirmTimeoutSeconds) s: \(why); the message may or may not have been taken"
                ))
        }
        while lowestUnconfirmed < nextPublishSequence, pendingConfirms[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }

    private func markReturned(exchange: String, routingKey: String, messageId: String?, reason: String) {
        // The broker sends basic.return before the basic.ack of the same publish; match the oldest
        // unconfirmed publish with the same address and message id.
        var sequence = lowestUnconfirmed
        while sequence < nextPublishSequence {
            if var pending = pendingConfirms[sequence], pending.returnedReason == nil,
                pending.exchange == exchange, pending.routingKey == routingKey, pending.messageId == messageId
            {
                pending.returnedReason = reason
                pendingConfirms[sequence] = pending
                return
            }
            sequence += 1
        }
    }

    private func confirm(upTo tag: UInt64, multiple: Bool, nacked: Bool) {
        let range: ClosedRange<UInt64> = multiple ? min(lowestUnconfirmed, tag)...tag : tag...tag
        for sequence in range {
            guard let pending = pendingConfirms.removeValue(forKey: sequence) else { continue }
            if nacked {
                settle(
                    pending,
                    error: error(
                        .nacked, "publish to exchange '\(pending.exchange)' with routing key '\(pending.routingKey)'",
                        detail: "the broker did not accept the message"))
            } else if let reason = pending.returnedReason {
                settle(
                    pending,
                    error: error(
                        .unroutable,
                        "publish to exchange '\(pending.exchange.isEmpty ? "(default)" : pending.exchange)' with routing key '\(pending.routingKey)'",
                        detail: "no queue is bound for it (\(reason))"))
            } else {
                settle(pending, error: nil)
            }
        }
        while lowestUnconfirmed < nextPublishSequence, pendingConfirms[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }

    private func settle(_ pending: PendingPublish, error: AMQPError?) {
        let batch = pending.batch
        if batch.firstError == nil, let error { batch.firstError = error }
        batch.remaining -= 1
        if batch.remaining == 0 { batch.completion(batch.firstError) }
    }

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

    // MARK: declarations (admin channel)

    func declare(exchange: ExchangeDeclaration, passive: Bool) throws {
        let state = try liveState()
        try openChannel(.admin)
        CArena.with { arena in
            _ = amqp_exchange_declare(
                state, Channel.admin.rawValue, arena.bytes(exchange.name), arena.bytes(exchange.type),
                passive ? 1 : 0, exchange.durable ? 1 : 0, exchange.autoDelete ? 1 : 0,
                exchange.internal ? 1 : 0, arena.table(exchange.arguments))
        }
        try check(
            amqp_get_rpc_reply(state), "\(passive ? "check" : "declare") exchange '\(exchange.name)'",
            channel: Channel.admin.rawValue)
    }

    func declare(queue: QueueDeclaration, passive: Bool) throws -> QueueState {
        let state = try liveState()
        try openChannel(.admin)
        let operation = "\(passive ? "check" : "declare") queue '\(queue.name)'"
        return try CArena.with { arena in
            let ok = amqp_queue_declare(
                state, Channel.admin.rawValue, arena.bytes(queue.name), passive ? 1 : 0,
                queue.durable ? 1 : 0, queue.exclusive ? 1 : 0, queue.autoDelete ? 1 : 0,
                arena.table(queue.arguments))
            try check(amqp_get_rpc_reply(state), operation, channel: Channel.admin.rawValue)
            guard let ok else { throw error(.protocolError, operation, detail: "no declare-ok") }
            return QueueState(
                name: CDecode.string(ok.pointee.queue), messageCount: Int(ok.pointee.message_count),
                consumerCount: Int(ok.pointee.consumer_count))
        }
    }

    func bind(queue: String, exchange: String, routingKey: String, arguments: AMQPTable) throws {
        let state = try liveState()
        try openChannel(.admin)
        CArena.with { arena in
            _ = amqp_queue_bind(
                state, Channel.admin.rawValue, arena.bytes(queue), arena.bytes(exchange),
                arena.bytes(routingKey), arena.table(arguments))
        }
        try check(
            amqp_get_rpc_reply(state), "bind queue '\(queue)' to exchange '\(exchange)' with '\(routingKey)'",
            channel: Channel.admin.rawValue)
    }

    func delete(queue: String) throws -> Int {
        let state = try liveState()
        try openChannel(.admin)
        return try CArena.with { arena in
            let ok = amqp_queue_delete(state, Channel.admin.rawValue, arena.bytes(queue), 0, 0)
            try check(amqp_get_rpc_reply(state), "delete queue '\(queue)'", channel: Channel.admin.rawValue)
            return Int(ok?.pointee.message_count ?? 0)
        }
    }
}
