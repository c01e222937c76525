import CCurl
import Foundation
import RemitAMQP

/// Just enough HTTP for RabbitMQ's management API, through a libcurl easy handle: one request per
/// call, `http://` or `https://` (TLS as `TLSSettings` says: CA file, client certificate, peer and
/// name verification on unless `verify_none`). curl_easy_perform blocks, so each request runs on a
/// thread of its own, never on Swift's cooperative pool. Proxies from the environment are not
/// used: the management API is the broker's own, next to it.
struct CurlHTTPClient: Sendable {
    let timeoutSeconds: Int
    /// For `https://` URLs; nil means the defaults (the system's trust store, verification on).
    var tls: TLSSettings?

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// The server's certificate did not verify (not trusted, not for the host).
        var isCertificateFailure = false
        /// Any other failure to agree on TLS (no TLS there, our client certificate refused).
        var isTLSFailure = false
    }

    /// libcurl's global state, set up once before the first handle (Swift runs this exactly once;
    /// curl_global_init counts its callers, so RemitMail's own call does no harm).
    private static let globalInit: CURLcode = remit_curl_global_init()

    init(timeoutSeconds: Int, tls: TLSSettings? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.tls = tls
    }

    func send(
        method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil,
        credentials: (user: String, password: String)? = nil
    ) async throws -> Response {
        let credentials = credentials.map { [$0.user, $0.password] }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try self.sendBlocking(method: method, url: url, headers: headers, body: body, credentials: credentials)
                    })
            }
            thread.name = "remit-http"
            thread.start()
        }
    }

    /// What the write callback collects.
    private final class Received {
        var body = Data()
    }

    private func sendBlocking(
        method: String, url: URL, headers: [(String, String)], body: Data?, credentials: [String]?
    ) throws -> Response {
        guard Self.globalInit == CURLE_OK else {
            throw Failure(description: "libcurl did not initialise: \(Self.describe(Self.globalInit))")
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        for (name, value) in [("Accept", "application/json")] + headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        defer { curl_slist_free_all(headerList) }
        var connectTo: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(connectTo) }
        var requestURL = url
        // server_name_indication: ask for the name (SNI, the certificate's check) and connect to the host.
        if url.scheme == "https", let name = tls?.serverName, let host = url.host, name != host,
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        {
            let port = url.port ?? 443
            components.host = name
            requestURL = components.url ?? url
            connectTo = curl_slist_append(nil, "\(name):\(port):\(host.contains(":") ? "[\(host)]" : host):\(port)")
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }
        guard let handle = curl_easy_init() else { throw Failure(description: "libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }
        let received = Received()
        return try withExtendedLifetime(received) {
            let context = Unmanaged.passUnretained(received).toOpaque()
            var options: [(String, CURLcode)] = [
                ("URL", remit_curl_set_string(handle, CURLOPT_URL, requestURL.absoluteString)),
                ("PROTOCOLS_STR", remit_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")),
                ("CUSTOMREQUEST", remit_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)),
                ("HTTPHEADER", remit_curl_set_list(handle, CURLOPT_HTTPHEADER, headerList)),
                ("WRITEFUNCTION", remit_curl_set_write_function(handle, Self.writeCallback)),
                ("WRITEDATA", remit_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)),
                ("ERRORBUFFER", remit_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)),
                ("NOPROXY", remit_curl_set_string(handle, CURLOPT_NOPROXY, "*")),
                // Signals are process-wide; a library on a worker thread must not use them for timeouts.
                ("NOSIGNAL", remit_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)),
                ("CONNECTTIMEOUT", remit_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, min(10, timeoutSeconds))),
                ("TIMEOUT", remit_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds)),
            ]
            if let connectTo { options.append(("CONNECT_TO", remit_curl_set_list(handle, CURLOPT_CONNECT_TO, connectTo))) }
            if let credentials {
                options.append(("USERNAME", remit_curl_set_string(handle, CURLOPT_USERNAME, credentials[0])))
                options.append(("PASSWORD", remit_curl_set_string(handle, CURLOPT_PASSWORD, credentials[1])))
            }
            if let body {
                // libcurl copies the body (COPYPOSTFIELDS), its size set first so no NUL ends it.
                options.append(("POSTFIELDSIZE_LARGE", remit_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))))
                let code = body.withUnsafeBytes { bytes in
                    remit_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
                options.append(("COPYPOSTFIELDS", code))
            }
            if let tls {
                if let caFile = tls.caFile { options.append(("CAINFO", remit_curl_set_string(handle, CURLOPT_CAINFO, caFile))) }
                if let certificate = tls.certificateFile, let key = tls.keyFile {
                    options.append(("SSLCERT", remit_curl_set_string(handle, CURLOPT_SSLCERT, certificate)))
                    options.append(("SSLKEY", remit_curl_set_string(handle, CURLOPT_SSLKEY, key)))
                }
                if !tls.verifyPeer {
                    options.append(("SSL_VERIFYPEER", remit_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0)))
                    options.append(("SSL_VERIFYHOST", remit_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0)))
                }
            }
            if let (name, code) = options.first(where: { $0.1 != CURLE_OK }) {
                throw Failure(description: "libcurl refused CURLOPT_\(name): \(Self.describe(code))")
            }
            let result = curl_easy_perform(handle)
            guard result == CURLE_OK else {
                let text = errorBuffer[0] != 0 ? String(cString: errorBuffer) : Self.describe(result)
                var failure = Failure(description: text)
                switch result {
                case CURLE_PEER_FAILED_VERIFICATION:
                    failure.isCertificateFailure = true
                case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
                    failure.isTLSFailure = true
                default:
                    // A TLS alert that arrives after the handshake (TLS 1.3: the server refuses our
                    // certificate) surfaces on the first read.
                    failure.isTLSFailure = text.contains("SSL")
                }
                throw failure
            }
            return Response(status: remit_curl_response_code(handle), body: received.body)
        }
    }

    private static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    private static let writeCallback: curl_write_callback = { data, size, count, context in
        guard let context else { return 0 }
        let received = Unmanaged<Received>.fromOpaque(context).takeUnretainedValue()
        if let data { received.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
        return size * count
    }
}
