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
    /// What the TLS socket's callbacks read and write; freed after the connection (and its SSL_CTX).
    private var tlsContext: UnsafeMutablePointer<remit_tls_context>?
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
            vhost: configuration.vhost, detail: detail, replyCode: code, isTLS: configuration.tls != nil)
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
            // With TLS 1.3 the broker checks our certificate after our side of the handshake is
            // done: its refusal arrives as an alert on the first read, during login.
            let tlsReason = configuration.tls == nil ? nil : Self.takeOpenSSLError()
            let failure: AMQPError
            if let tlsReason {
                failure = error(
                    duringLogin ? .tlsHandshakeFailed : .connectionClosed, operation,
                    detail: "\(tlsReason)\(Self.handshakeHint(tlsReason, port: configuration.port))")
            } else if duringLogin && closed {
                failure = error(.authenticationFailed, operation, detail: "the broker closed the connection during login")
            } else if duringLogin && configuration.tls == nil && reply.library_error == AMQP_STATUS_SOCKET_ERROR.rawValue {
                // A TLS listener resets a client that does not start with a TLS handshake.
                failure = error(
                    .connectionClosed, operation, detail: "\(text) — if port \(configuration.port) speaks TLS, use amqps://")
            } else {
                failure = error(.connectionClosed, operation, detail: text)
            }
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
        var detail = String(cString: amqp_error_string2(status))
        if status == AMQP_STATUS_SSL_ERROR.rawValue, let reason = Self.takeOpenSSLError() { detail += ": \(reason)" }
        let failure = error(.connectionClosed, operation, detail: detail)
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
        let socket: OpaquePointer
        if let tls = configuration.tls {
            socket = try openTLSSocket(state, tls, operation)
        } else {
            guard let tcp = amqp_tcp_socket_new(state) else {
                throw error(.protocolError, operation, detail: "could not create a socket")
            }
            socket = tcp
        }
        var timeout = timeval(tv_sec: configuration.connectTimeoutSeconds, tv_usec: 0)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        if status != AMQP_STATUS_OK.rawValue {
            throw openFailure(status, operation)
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

    // MARK: TLS

    /// A TLS socket set up as `tls` says: the CA file (else the system's trust store), the client
    /// certificate, and — unless `verify_none` — the chain and the name checked during the handshake.
    private func openTLSSocket(_ state: amqp_connection_state_t, _ tls: TLSSettings, _ operation: String) throws -> OpaquePointer {
        guard let socket = amqp_ssl_socket_new(state) else {
            throw error(.protocolError, operation, detail: "could not create a TLS socket: \(Self.takeOpenSSLError() ?? "OpenSSL failed")")
        }
        let verifyName = tls.serverName ?? configuration.host
        let context = UnsafeMutablePointer<remit_tls_context>.allocate(capacity: 1)
        // RFC 6066 has no SNI for an IP address.
        let sni = tls.serverName ?? (Self.isIPAddress(configuration.host) ? nil : configuration.host)
        context.initialize(to: remit_tls_context(sni: sni.map { strdup($0) }, verify_error: X509_V_OK))
        tlsContext = context
        if let caFile = tls.caFile, amqp_ssl_socket_set_cacert(socket, caFile) != AMQP_STATUS_OK.rawValue {
            throw error(
                .invalidConfiguration, operation,
                detail: "cacertfile \(caFile) holds no usable PEM certificate: \(Self.takeOpenSSLError() ?? "OpenSSL refused it")")
        }
        if let certificateFile = tls.certificateFile, let keyFile = tls.keyFile,
            amqp_ssl_socket_set_key(socket, certificateFile, keyFile) != AMQP_STATUS_OK.rawValue
        {
            throw error(
                .invalidConfiguration, operation,
                detail:
                    "certfile \(certificateFile) with keyfile \(keyFile) is no usable PEM certificate and unencrypted key pair: \(Self.takeOpenSSLError() ?? "OpenSSL refused them")"
            )
        }
        if remit_tls_configure(socket, context, verifyName, tls.verifyPeer ? 1 : 0, tls.caFile == nil ? 1 : 0) != 0 {
            throw error(
                .invalidConfiguration, operation,
                detail: "OpenSSL refused the TLS settings: \(Self.takeOpenSSLError() ?? "no reason given")")
        }
        return socket
    }

    /// Why the socket did not open, as the error a person can act on.
    private func openFailure(_ status: Int32, _ operation: String) -> AMQPError {
        let libraryText = String(cString: amqp_error_string2(status))
        guard let tls = configuration.tls, let context = tlsContext else {
            return error(.connectionRefused, operation, detail: libraryText)
        }
        let verifyError = context.pointee.verify_error
        if verifyError != X509_V_OK {
            _ = Self.takeOpenSSLError()
            let reason = String(cString: X509_verify_cert_error_string(Int(verifyError)))
            return error(
                .certificateVerificationFailed, operation,
                detail: "\(reason) — \(Self.verificationHint(verifyError, tls: tls, host: configuration.host))")
        }
        let tlsStatuses = [
            AMQP_STATUS_SSL_ERROR, AMQP_STATUS_SSL_CONNECTION_FAILED, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED,
            AMQP_STATUS_SSL_PEER_VERIFY_FAILED,
        ].map(\.rawValue)
        guard tlsStatuses.contains(status) else { return error(.connectionRefused, operation, detail: libraryText) }
        guard let reason = Self.takeOpenSSLError() else {
            // No TLS reason: the TCP connection ended mid-handshake (a broker restarting); worth retrying.
            return error(.connectionRefused, operation, detail: "the connection closed during the TLS handshake (\(libraryText))")
        }
        return error(.tlsHandshakeFailed, operation, detail: "\(reason)\(Self.handshakeHint(reason, port: configuration.port))")
    }

    static func verificationHint(_ code: Int32, tls: TLSSettings, host: String) -> String {
        let trustStore = tls.caFile.map { "cacertfile \($0)" } ?? "the system's trust store (no cacertfile given)"
        switch code {
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return
                "the broker's certificate is not for '\(tls.serverName ?? host)'; connect by a name the certificate holds, or name one with server_name_indication"
        case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
            return "the broker's certificate is outside its validity period (or this machine's clock is wrong)"
        default:
            return "the broker's certificate does not chain to a CA in \(trustStore)"
        }
    }

    static func handshakeHint(_ reason: String, port: Int) -> String {
        if reason.contains("wrong version number") || reason.contains("packet length too long") {
            return " — does port \(port) speak TLS? (RabbitMQ's TLS listener is 5671 by default; amqp:// is plain AMQP)"
        }
        if reason.contains("certificate required") {
            return " — the broker wants a client certificate: give certfile and keyfile"
        }
        if reason.contains("unknown ca") || reason.contains("bad certificate") || reason.contains("certificate unknown") {
            return " — the broker refused our client certificate (certfile): it does not trust its CA"
        }
        return ""
    }

    /// OpenSSL's reason for the last failure on this thread (rabbitmq-c leaves it in the thread's
    /// error queue), and empties the queue.
    static func takeOpenSSLError() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        return buffer.withUnsafeMutableBufferPointer { buffer in
            remit_tls_take_error(buffer.baseAddress, buffer.count).map { String(cString: $0) }
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
    }

    private func freeTLSContext() {
        guard let context = tlsContext else { return }
        free(context.pointee.sni)
        context.deallocate()
        tlsContext = nil
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
        freeTLSContext()
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
    private func pumpFrames(limit: Int) throws -> Bool {
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
