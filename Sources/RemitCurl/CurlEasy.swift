import CCurl

/// One libcurl easy handle with its error buffer: options are set by name and the first one
/// libcurl refuses is reported by `perform`, which runs the transfer on the calling thread (it
/// blocks: callers run it on `BlockingPool`). The one place Remit's libcurl handles are made, for
/// the management API's HTTP and for SMTP.
public final class CurlEasy {
    /// libcurl's global state, set up once before the first handle (Swift runs this exactly once).
    private static let globalInit: CURLcode = remit_curl_global_init()

    public let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var refused: (name: String, code: CURLcode)?
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// Whether TLS may be in use (an `https`/`smtps` URL or STARTTLS asked for), for the error's code.
    public var tlsInUse = false

    public init() throws(CurlError) {
        guard Self.globalInit == CURLE_OK else {
            throw CurlError(
                code: .setup, curlCode: Int(Self.globalInit.rawValue),
                detail: "libcurl did not initialise: \(Self.describe(Self.globalInit))")
        }
        guard let handle = curl_easy_init() else {
            throw CurlError(code: .setup, curlCode: Int(CURLE_FAILED_INIT.rawValue), detail: "libcurl could not create a handle")
        }
        self.handle = handle
        errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        record("ERRORBUFFER", remit_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        // Signals are process-wide; a library on a worker thread must not use them for timeouts.
        record("NOSIGNAL", remit_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
    }

    deinit {
        // Cleanup may still talk to the server (SMTP's QUIT) and call back: before the buffer goes.
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
        for list in lists { curl_slist_free_all(list) }
    }

    /// Keeps the first refusal of an option; `perform` reports it.
    public func record(_ name: String, _ code: CURLcode) {
        if code != CURLE_OK, refused == nil { refused = (name, code) }
    }

    public func set(_ name: String, _ option: CURLoption, _ value: String) {
        record(name, remit_curl_set_string(handle, option, value))
    }

    public func set(_ name: String, _ option: CURLoption, _ value: Int) {
        record(name, remit_curl_set_long(handle, option, value))
    }

    /// A list option (headers, recipients); the list lives as long as the handle.
    public func set(_ name: String, _ option: CURLoption, list items: [String]) {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items {
            guard let longer = curl_slist_append(list, item) else {
                record(name, CURLE_OUT_OF_MEMORY)
                return
            }
            list = longer
        }
        if let list { lists.append(list) }
        record(name, remit_curl_set_list(handle, option, list))
    }

    /// Connect and timeout limits: connecting may take at most 10 s of `seconds`.
    public func limit(seconds: Int) {
        set("CONNECTTIMEOUT", CURLOPT_CONNECTTIMEOUT, min(10, seconds))
        set("TIMEOUT", CURLOPT_TIMEOUT, seconds)
    }

    /// The CA file, client certificate and peer verification of `tls`.
    public func apply(_ tls: CurlTLSOptions) {
        if let caFile = tls.caFile { set("CAINFO", CURLOPT_CAINFO, caFile) }
        if let certificate = tls.certificateFile, let key = tls.keyFile {
            set("SSLCERT", CURLOPT_SSLCERT, certificate)
            set("SSLKEY", CURLOPT_SSLKEY, key)
        }
        if !tls.verifyPeer {
            set("SSL_VERIFYPEER", CURLOPT_SSL_VERIFYPEER, 0)
            set("SSL_VERIFYHOST", CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    /// Runs the transfer. `redact` cleans libcurl's text (a server may echo what it was sent).
    public func perform(redact: (String) -> String = { $0 }) throws(CurlError) {
        if let refused {
            throw CurlError(
                code: .setup, curlCode: Int(refused.code.rawValue),
                detail: "libcurl refused CURLOPT_\(refused.name): \(Self.describe(refused.code))")
        }
        let result = curl_easy_perform(handle)
        guard result != CURLE_OK else { return }
        let text = errorBuffer[0] != 0 ? String(cString: errorBuffer) : Self.describe(result)
        let code = CurlError.code(for: result, tlsInUse: tlsInUse, beforeAnyReply: responseCode == 0)
        throw CurlError(code: code, curlCode: Int(result.rawValue), detail: redact(text))
    }

    /// The last reply code (HTTP status, SMTP reply); 0 before any.
    public var responseCode: Int { remit_curl_response_code(handle) }

    static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }
}
