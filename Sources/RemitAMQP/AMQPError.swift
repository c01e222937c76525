import Foundation

/// Every failure the AMQP module reports. It names the broker (host, port, vhost) and the
/// object involved, and never the password or a message body.
public struct AMQPError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: String, Sendable, Equatable {
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
        /// The broker did not answer in time (a confirm held back by a resource alarm, a stalled RPC).
        case timedOut
        /// TLS: the broker's certificate did not verify — not signed by a trusted CA (`cacertfile`),
        /// not for the host (or `server_name_indication`), expired.
        case certificateVerificationFailed
        /// TLS: no TLS session could be agreed — the port speaks no TLS, the broker wants a client
        /// certificate or refused ours, no common protocol version.
        case tlsHandshakeFailed
    }

    public var kind: Kind
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
        _ kind: Kind, operation: String, host: String, port: Int, vhost: String,
        detail: String? = nil, replyCode: Int? = nil, isTLS: Bool = false
    ) {
        self.kind = kind
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
        switch kind {
        case .authenticationFailed, .unknownVhost, .accessRefused, .notFound, .invalidConfiguration,
            .certificateVerificationFailed, .tlsHandshakeFailed:
            return true
        default:
            return false
        }
    }

    public var description: String {
        var text = "AMQP \(kind.rawValue): \(operation)"
        // A URL that did not parse has no broker to name.
        if kind != .invalidConfiguration {
            let encodedVhost =
                vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? vhost
            text += " on \(isTLS ? "amqps" : "amqp")://\(host):\(port)/\(encodedVhost)"
        }
        switch kind {
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
