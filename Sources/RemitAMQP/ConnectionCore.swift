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
    var state: amqp_connection_state_t?
    /// What the TLS socket's callbacks read and write; freed after the connection (and its SSL_CTX).
    var tlsContext: UnsafeMutablePointer<remit_tls_context>?
    private var openChannels: Set<UInt16> = []
    /// Set once the connection is unusable; every later operation fails with it.
    var failure: AMQPError?
    var isShutDown = false
    /// What the broker said about itself in connection.start (product, version, cluster_name).
    private(set) var serverProperties: AMQPTable = [:]
    private let onClose: @Sendable (AMQPError?) -> Void

    // Publisher confirms: sequence numbers start at 1 after confirm.select on the channel.
    var nextPublishSequence: UInt64 = 1
    var lowestUnconfirmed: UInt64 = 1
    var pendingConfirms: [UInt64: PendingPublish] = [:]

    var consumers: [String: Consumer] = [:]
    /// The broker's reason while it blocks this connection (connection.blocked); nil otherwise.
    var blockedReason: String?
    /// Tells the `AMQPConnection` the socket (for `abandon`) and flow-control changes.
    let onEvent: @Sendable (ConnectionEvent) -> Void

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

    func error(_ code: AMQPError.Code, _ operation: String, detail: String? = nil, replyCode: Int? = nil) -> AMQPError {
        AMQPError(
            code, operation: operation, host: configuration.host, port: configuration.port,
            vhost: configuration.vhost, detail: detail, replyCode: replyCode, isTLS: configuration.tls != nil)
    }

    func liveState() throws -> amqp_connection_state_t {
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

    func openChannel(_ channel: Channel) throws {
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

    func acknowledgeChannelClose(_ channel: UInt16) {
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
}
