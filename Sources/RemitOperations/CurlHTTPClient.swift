import CCurl
import Foundation
import RemitAMQP
import RemitCore
import RemitCurl

/// Just enough HTTP for RabbitMQ's management API, through a libcurl easy handle (`CurlEasy`): one
/// request per call, `http://` or `https://` (TLS as `TLSSettings` says: CA file, client
/// certificate, peer and name verification on unless `verify_none`). curl_easy_perform blocks, so
/// requests run on `BlockingPool`, never on Swift's cooperative pool. Proxies from the environment
/// are not used: the management API is the broker's own, next to it. Failures are `CurlError`s.
struct CurlHTTPClient: Sendable {
    let timeoutSeconds: Int
    /// For `https://` URLs; nil means the defaults (the system's trust store, verification on).
    var tls: TLSSettings?

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    init(timeoutSeconds: Int, tls: TLSSettings? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.tls = tls
    }

    func send(
        method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil,
        credentials: (user: String, password: String)? = nil
    ) async throws -> Response {
        let credentials = credentials.map { [$0.user, $0.password] }
        return try await BlockingPool.run {
            try self.sendBlocking(method: method, url: url, headers: headers, body: body, credentials: credentials)
        }
    }

    /// What the write callback collects.
    private final class Received {
        var body = Data()
    }

    private func sendBlocking(
        method: String, url: URL, headers: [(String, String)], body: Data?, credentials: [String]?
    ) throws(CurlError) -> Response {
        let easy = try CurlEasy()
        let handle = easy.handle
        easy.tlsInUse = url.scheme == "https"
        easy.set("URL", CURLOPT_URL, connectTo(url, on: easy).absoluteString)
        easy.set("PROTOCOLS_STR", CURLOPT_PROTOCOLS_STR, "http,https")
        easy.set("CUSTOMREQUEST", CURLOPT_CUSTOMREQUEST, method)
        easy.set("HTTPHEADER", CURLOPT_HTTPHEADER, list: ([("Accept", "application/json")] + headers).map { "\($0.0): \($0.1)" })
        easy.set("NOPROXY", CURLOPT_NOPROXY, "*")
        easy.limit(seconds: timeoutSeconds)
        if let credentials {
            easy.set("USERNAME", CURLOPT_USERNAME, credentials[0])
            easy.set("PASSWORD", CURLOPT_PASSWORD, credentials[1])
        }
        if let body {
            // libcurl copies the body (COPYPOSTFIELDS), its size set first so no NUL ends it.
            easy.record("POSTFIELDSIZE_LARGE", remit_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
            easy.record(
                "COPYPOSTFIELDS",
                body.withUnsafeBytes { bytes in
                    remit_curl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                })
        }
        if let tls {
            easy.apply(
                CurlTLSOptions(caFile: tls.caFile, certificateFile: tls.certificateFile, keyFile: tls.keyFile, verifyPeer: tls.verifyPeer))
        }
        let received = Received()
        return try withExtendedLifetime(received) { () throws(CurlError) -> Response in
            easy.record("WRITEFUNCTION", remit_curl_set_write_function(handle, Self.writeCallback))
            easy.record("WRITEDATA", remit_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(received).toOpaque()))
            try easy.perform()
            return Response(status: easy.responseCode, body: received.body)
        }
    }

    /// server_name_indication: ask for the name (SNI, the certificate's check) and connect to the
    /// host. The URL to request.
    private func connectTo(_ url: URL, on easy: CurlEasy) -> URL {
        guard url.scheme == "https", let name = tls?.serverName, let host = url.host, name != host,
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        else { return url }
        let port = url.port ?? 443
        components.host = name
        easy.set("CONNECT_TO", CURLOPT_CONNECT_TO, list: ["\(name):\(port):\(host.contains(":") ? "[\(host)]" : host):\(port)"])
        return components.url ?? url
    }

    private static let writeCallback: curl_write_callback = { data, size, count, context in
        guard let context else { return 0 }
        let received = Unmanaged<Received>.fromOpaque(context).takeUnretainedValue()
        if let data { received.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count) }
        return size * count
    }
}
