import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The C calls' results as Swift errors: rabbitmq-c replies and status codes mapped in one place.
extension ConnectionCore {
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
                    operation, detail: text, replyCode: code)
                self.failure = failure
                throw failure
            }
            if reply.reply.id == Method.channelClose {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let code = Int(close.reply_code)
                let text = CDecode.string(close.reply_text)
                acknowledgeChannelClose(channel)
                throw error(Self.channelCloseKind(code: code), operation, detail: text, replyCode: code)
            }
            throw error(.protocolError, operation, detail: "unexpected method 0x\(String(reply.reply.id, radix: 16))")
        default:
            throw error(.protocolError, operation, detail: "unknown reply type")
        }
    }

    static func connectionCloseKind(code: Int, text: String, duringLogin: Bool) -> AMQPError.Code {
        switch code {
        case 403 where duringLogin: return .authenticationFailed
        case 403: return .accessRefused
        case 530 where text.contains("not found"): return .unknownVhost
        case 530: return .accessRefused
        default: return .connectionClosed
        }
    }

    static func channelCloseKind(code: Int) -> AMQPError.Code {
        switch code {
        case 403: return .accessRefused
        case 404: return .notFound
        case 406: return .preconditionFailed
        default: return .protocolError
        }
    }

    func checkStatus(_ status: Int32, _ operation: String) throws {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        var detail = String(cString: amqp_error_string2(status))
        if status == AMQP_STATUS_SSL_ERROR.rawValue, let reason = Self.takeOpenSSLError() { detail += ": \(reason)" }
        let failure = error(.connectionClosed, operation, detail: detail)
        self.failure = failure
        throw failure
    }
}
