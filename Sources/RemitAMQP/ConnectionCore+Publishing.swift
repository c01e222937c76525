import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Publishing on channel 1 in confirm mode: each publish waits for its ack, nack, return or deadline.
extension ConnectionCore {
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
    func expireConfirms() {
        guard let oldest = pendingConfirms[lowestUnconfirmed], oldest.deadline < ContinuousClock.now else { return }
        let now = ContinuousClock.now
        let overdue = pendingConfirms.filter { $0.value.deadline < now }
        let why = blockedReason.map { "the broker is blocking publishers (\($0))" } ?? "the broker did not answer"
        for (sequence, pending) in overdue.sorted(by: { $0.key < $1.key }) {
            pendingConfirms.removeValue(forKey: sequence)
            settle(
                pending,
                error: error(
                    blockedReason == nil ? .timedOut : .blocked,
                    "publish to exchange '\(pending.exchange)' with routing key '\(pending.routingKey)'",
                    detail: "no confirm within \(configuration.confirmTimeoutSeconds) s: \(why); the message may or may not have been taken"
                ))
        }
        while lowestUnconfirmed < nextPublishSequence, pendingConfirms[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }

    func markReturned(exchange: String, routingKey: String, messageId: String?, reason: String) {
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

    func confirm(upTo tag: UInt64, multiple: Bool, nacked: Bool) {
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

    func failAllPending(_ failure: AMQPError) {
        let pending = pendingConfirms
        pendingConfirms.removeAll()
        for (_, publish) in pending { settle(publish, error: failure) }
    }
}
