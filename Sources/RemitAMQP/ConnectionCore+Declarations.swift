import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Exchanges and queues declared, bound and deleted on channel 3.
extension ConnectionCore {
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
