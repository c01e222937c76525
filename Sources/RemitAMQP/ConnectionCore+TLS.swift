import CRabbitMQ
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The TLS socket: OpenSSL's settings, and its reasons turned into errors a person can act on.
extension ConnectionCore {
    // MARK: TLS

    /// A TLS socket set up as `tls` says: the CA file (else the system's trust store), the client
    /// certificate, and — unless `verify_none` — the chain and the name checked during the handshake.
    func openTLSSocket(_ state: amqp_connection_state_t, _ tls: TLSSettings, _ operation: String) throws -> OpaquePointer {
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
    func openFailure(_ status: Int32, _ operation: String) -> AMQPError {
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

    func freeTLSContext() {
        guard let context = tlsContext else { return }
        free(context.pointee.sni)
        context.deallocate()
        tlsContext = nil
    }
}
