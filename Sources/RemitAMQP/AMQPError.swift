import Foundation

/// Every failure the AMQP module reports. It names the broker (host, port, vhost) and the
/// object involved, and never the password or a message body.
///
/// Callers branch on `code` (and `isPermanent`), never on the text: `description` is for people
/// and may change.
public struct AMQPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What went wrong, for a caller to switch on.
    public enum Code: String, Sendable, Equatable {
        /// TCP connection could not be made (refused, unreachable, timed out, unknown host).
        case connectionRefused
        /// The broker refused the user name / password.
        case authenticationFailed
        /// The vhost does not exist on the broker.
        case unknownVhost
        /// The user may not use the vhost, or the object (403 ACCESS_REFUSED).
        case accessRefused
        /// A queue or exchange the operation names does not exist (404 NOT_FOUND).
        case notFound
        /// The object exists with other properties (406 PRECONDITION_FAILED).
        case preconditionFailed
        /// A mandatory publish matched no queue; the broker returned it.
        case unroutable
        /// The broker negatively confirmed a publish (it did not take responsibility).
        case nacked
        /// The connection was lost or closed (socket error, heartbeat timeout, broker close).
        case connectionClosed
        /// The broker cancelled our consumer (queue deleted, node down).
        case consumerCancelled
        /// Any other protocol-level failure.
        case protocolError
        /// The URL or configuration is not usable.
        case invalidConfiguration
        /// The broker did not confirm a publish in time (`confirm_timeout`), and was not blocking
        /// this connection: the message may or may not have been taken.
        case timedOut
        /// A publish's confirm is overdue while the broker blocks this connection
        /// (`connection.blocked`: a memory or disk alarm); the message may or may not have been taken.
        case blocked
        /// TLS: the broker's certificate did not verify — not signed by a trusted CA (`cacertfile`),
        /// not for the host (or `server_name_indication`), expired.
        case certificateVerificationFailed
        /// TLS: no TLS session could be agreed — the port speaks no TLS, the broker wants a client
        /// certificate or refused ours, no common protocol version.
        case tlsHandshakeFailed
    }

    public var code: Code
    /// What failed, in words, e.g. `declare queue 'remit.smoke'`.
    public var operation: String
    public var host: String
    public var port: Int
    public var vhost: String
    /// The broker's reply text or the library's error text, when there is one.
    public var detail: String?
    /// AMQP reply code (403, 404, 406, 320, …) when the broker gave one.
    public var replyCode: Int?
    /// The connection was to speak TLS (`amqps://`).
    public var isTLS: Bool

    public init(
        _ code: Code, operation: String, host: String, port: Int, vhost: String,
        detail: String? = nil, replyCode: Int? = nil, isTLS: Bool = false
    ) {
        self.code = code
        self.operation = operation
        self.host = host
        self.port = port
        self.vhost = vhost
        self.detail = detail
        self.replyCode = replyCode
        self.isTLS = isTLS
    }

    /// True for refusals that retrying cannot cure: the credentials, the vhost, the permissions,
    /// a missing queue, an unusable configuration, a certificate or TLS setup that does not fit the
    /// broker's. A worker stops at start-up on these.
    public var isPermanent: Bool {
        switch code {
        case .authenticationFailed, .unknownVhost, .accessRefused, .notFound, .invalidConfiguration,
            .certificateVerificationFailed, .tlsHandshakeFailed:
            return true
        default:
            return false
        }
    }

    public var description: String {
        var text = "AMQP \(code.rawValue): \(operation)"
        // A URL that did not parse has no broker to name.
        if code != .invalidConfiguration {
            let encodedVhost =
                vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? vhost
            text += " on \(isTLS ? "amqps" : "amqp")://\(host):\(port)/\(encodedVhost)"
        }
        switch code {
        case .connectionRefused: text += " — is RabbitMQ running and reachable there?"
        case .authenticationFailed: text += " — the broker refused the user name or password"
        case .unknownVhost: text += " — the vhost does not exist on that broker"
        case .certificateVerificationFailed: text += " — TLS certificate verification failed"
        case .tlsHandshakeFailed: text += " — the TLS handshake failed"
        default: break
        }
        if let replyCode { text += " [\(replyCode)]" }
        if let detail, !detail.isEmpty { text += ": \(detail)" }
        return text
    }
}
