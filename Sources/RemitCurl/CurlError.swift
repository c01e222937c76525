import CCurl

/// A libcurl transfer that failed, with a code callers branch on and the text for people. The
/// text is libcurl's own (its error buffer, else `curl_easy_strerror`); it never holds what the
/// options carried (passwords are options, not text).
public struct CurlError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// libcurl's global state or a handle could not be set up, or it refused an option.
        case setup
        /// Nothing answered at the address, or the name did not resolve.
        case connect
        /// The server's certificate did not verify (not trusted, not for the host).
        case certificate
        /// Any other failure to agree on TLS: no TLS there, our client certificate refused, a
        /// TLS alert during or right after the handshake.
        case tls
        /// The server refused the credentials.
        case login
        /// The time allowed passed.
        case timeout
        /// The conversation broke off or the server answered what libcurl could not use.
        case transfer
    }

    public var code: Code
    /// libcurl's result code, for logs.
    public var curlCode: Int
    public var detail: String

    public init(code: Code, curlCode: Int, detail: String) {
        self.code = code
        self.curlCode = curlCode
        self.detail = detail
    }

    public var description: String { detail }

    /// The code for libcurl's `result`. `beforeAnyReply` says whether the server had sent nothing
    /// yet: a TLS 1.3 server that refuses our certificate alerts after the handshake, and libcurl
    /// reports that as a failed receive before any reply — a TLS failure, not a broken transfer.
    static func code(for result: CURLcode, tlsInUse: Bool, beforeAnyReply: Bool) -> Code {
        switch result {
        case CURLE_PEER_FAILED_VERIFICATION: return .certificate
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_USE_SSL_FAILED,
            CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CIPHER, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .tls
        case CURLE_RECV_ERROR where tlsInUse && beforeAnyReply: return .tls
        case CURLE_SEND_ERROR where tlsInUse && beforeAnyReply: return .tls
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .connect
        case CURLE_LOGIN_DENIED: return .login
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_FAILED_INIT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_OUT_OF_MEMORY: return .setup
        default: return .transfer
        }
    }
}
