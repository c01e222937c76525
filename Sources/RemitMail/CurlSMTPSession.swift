import CCurl
import Foundation

/// One SMTP session through a libcurl easy handle, run on the calling thread (it blocks). The only
/// file that touches libcurl: no curl type or code leaves it, only a `MailDelivery`.
///
/// How libcurl 7.88.1 reports a failed session (observed against scripts/testing/smtp_server.py),
/// as curl code / CURLINFO_RESPONSE_CODE / error buffer:
/// - 550 at RCPT TO: CURLE_SEND_ERROR / 550 / "RCPT failed: 550"
/// - 451 after DATA: CURLE_WEIRD_SERVER_REPLY / 451 / empty
/// - 535 to AUTH: CURLE_LOGIN_DENIED / 535 / empty
/// - no STARTTLS offered with STARTTLS required: CURLE_USE_SSL_FAILED / 250 / "STARTTLS not supported."
/// - untrusted certificate: CURLE_PEER_FAILED_VERIFICATION / 220 / "SSL certificate problem: …"
/// - nothing listening: CURLE_COULDNT_CONNECT / 0 / "Failed to connect to … Couldn't connect to server"
/// The curl code does not tell a permanent refusal from a temporary one, the reply code does:
/// 5xx is permanent (`.rejected`), 4xx is about this message and worth retrying (`.deferred`), and
/// a failure with no such reply — no connection, TLS, STARTTLS — fails every message alike
/// (`.unavailable`).
final class CurlSMTPSession {
    /// libcurl's global state, set up once before the first handle (Swift runs this exactly once).
    private static let globalInit: CURLcode = remit_curl_global_init()

    /// The most of a server's reply a delivery carries.
    static let maximumReplyLength = 300

    private let payload: [UInt8]
    private var sent = 0
    /// The lines of the reply being read (a multi-line reply ends with `NNN text`).
    private var replyLines: [String] = []
    /// The server's last complete reply before QUIT, its lines joined by spaces.
    private var lastReply: String?
    /// After our QUIT the server's goodbye (221) is not what the session's outcome is about.
    private var quitSent = false

    private init(payload: [UInt8]) {
        self.payload = payload
    }

    static func deliver(_ message: MailMessage, configuration: SMTPConfiguration) -> MailDelivery {
        guard globalInit == CURLE_OK else { return .unavailable(reason: "libcurl did not initialise: \(describe(globalInit))") }
        guard let recipients = curl_slist_append(nil, "<\(message.to.address)>") else {
            return .unavailable(reason: "libcurl could not allocate the recipient list")
        }
        defer { curl_slist_free_all(recipients) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        defer { errorBuffer.deallocate() }

        let session = CurlSMTPSession(payload: Array(message.rfc5322()))
        return withExtendedLifetime(session) {
            guard let handle = curl_easy_init() else { return .unavailable(reason: "libcurl could not create a handle") }
            // Inside the session's lifetime and before the list and buffer go: cleanup may still
            // send QUIT and call back.
            defer { curl_easy_cleanup(handle) }
            let options = session.setOptions(
                handle, message: message, configuration: configuration, recipients: recipients, errorBuffer: errorBuffer)
            if let (name, code) = options.first(where: { $0.1 != CURLE_OK }) {
                return .unavailable(reason: "libcurl refused CURLOPT_\(name): \(describe(code))")
            }
            let result = curl_easy_perform(handle)
            return session.outcome(
                result, code: remit_curl_response_code(handle), configuration: configuration, errorBuffer: errorBuffer)
        }
    }

    /// Sets the handle's options for one delivery; returns each option's name with libcurl's answer.
    private func setOptions(
        _ handle: UnsafeMutableRawPointer, message: MailMessage, configuration: SMTPConfiguration,
        recipients: UnsafeMutablePointer<curl_slist>, errorBuffer: UnsafeMutablePointer<CChar>
    ) -> [(String, CURLcode)] {
        let context = Unmanaged.passUnretained(self).toOpaque()
        var options: [(String, CURLcode)] = [
            ("URL", remit_curl_set_string(handle, CURLOPT_URL, configuration.curlURL)),
            ("PROTOCOLS_STR", remit_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "smtp,smtps")),
            ("MAIL_FROM", remit_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(message.from.address)>")),
            ("MAIL_RCPT", remit_curl_set_list(handle, CURLOPT_MAIL_RCPT, recipients)),
            ("UPLOAD", remit_curl_set_long(handle, CURLOPT_UPLOAD, 1)),
            ("INFILESIZE_LARGE", remit_curl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(payload.count))),
            ("READFUNCTION", remit_curl_set_read_function(handle, Self.readCallback)),
            ("READDATA", remit_curl_set_pointer(handle, CURLOPT_READDATA, context)),
            ("VERBOSE", remit_curl_set_long(handle, CURLOPT_VERBOSE, 1)),
            ("DEBUGFUNCTION", remit_curl_set_debug_function(handle, Self.debugCallback)),
            ("DEBUGDATA", remit_curl_set_pointer(handle, CURLOPT_DEBUGDATA, context)),
            ("ERRORBUFFER", remit_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)),
            // Signals are process-wide; a library on a worker thread must not use them for timeouts.
            ("NOSIGNAL", remit_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)),
            ("CONNECTTIMEOUT", remit_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, min(10, configuration.timeoutSeconds))),
            ("TIMEOUT", remit_curl_set_long(handle, CURLOPT_TIMEOUT, configuration.timeoutSeconds)),
        ]
        let tls: curl_usessl
        switch (configuration.implicitTLS, configuration.startTLS) {
        case (true, _), (false, .required): tls = CURLUSESSL_ALL
        case (false, .optional): tls = CURLUSESSL_TRY
        case (false, .off): tls = CURLUSESSL_NONE
        }
        options.append(("USE_SSL", remit_curl_set_long(handle, CURLOPT_USE_SSL, Int(tls.rawValue))))
        if let user = configuration.user {
            options.append(("USERNAME", remit_curl_set_string(handle, CURLOPT_USERNAME, user)))
            options.append(("PASSWORD", remit_curl_set_string(handle, CURLOPT_PASSWORD, configuration.password ?? "")))
        }
        if let caFile = configuration.caFile {
            options.append(("CAINFO", remit_curl_set_string(handle, CURLOPT_CAINFO, caFile)))
        }
        if !configuration.verifyCertificate {
            options.append(("SSL_VERIFYPEER", remit_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0)))
            options.append(("SSL_VERIFYHOST", remit_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0)))
        }
        return options
    }

    /// What the session's result means for the message: accepted, rejected (5xx), deferred (4xx) or unavailable.
    private func outcome(
        _ result: CURLcode, code: Int, configuration: SMTPConfiguration, errorBuffer: UnsafeMutablePointer<CChar>
    ) -> MailDelivery {
        let redact = { (text: String) in Self.redacting(configuration.password, in: text) }
        let reply = lastReply.map(redact)
        if result == CURLE_OK {
            return .accepted(reply: reply ?? "\(code)")
        }
        let curlError = redact(errorBuffer[0] != 0 ? String(cString: errorBuffer) : Self.describe(result))
        if (500...599).contains(code) {
            return .rejected(code: code, reply: reply ?? curlError)
        }
        let reason = reply.map { "\(curlError); the server said: \($0)" } ?? curlError
        // A 4xx is the server's answer about this message; anything else means no SMTP
        // conversation could be had (no connection, TLS, STARTTLS), whatever the message.
        return (400...499).contains(code) ? .deferred(reason: reason) : .unavailable(reason: reason)
    }

    private static func describe(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    /// A server that echoes credentials should not get them into a log through us.
    private static func redacting(_ password: String?, in text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        return text.replacingOccurrences(of: password, with: "***")
    }

    /// Hands libcurl the next part of the message; libcurl dot-stuffs it and ends DATA itself.
    private static let readCallback: curl_read_callback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let session = Unmanaged<CurlSMTPSession>.fromOpaque(context).takeUnretainedValue()
        let length = min(size * count, session.payload.count - session.sent)
        guard length > 0 else { return 0 }  // 0 tells libcurl the message is complete
        session.payload.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + session.sent, byteCount: length)
        }
        session.sent += length
        return length
    }

    /// Keeps the server's replies (incoming header data, one line or more per call). Outgoing
    /// data — where AUTH carries the credentials — is only looked at for QUIT, never kept.
    private static let debugCallback: curl_debug_callback = { _, type, data, size, context in
        guard let data, let context else { return 0 }
        let session = Unmanaged<CurlSMTPSession>.fromOpaque(context).takeUnretainedValue()
        let bytes = UnsafeRawBufferPointer(start: data, count: size)
        if type == CURLINFO_HEADER_OUT {
            if bytes.starts(with: "QUIT".utf8) { session.quitSent = true }
        } else if type == CURLINFO_HEADER_IN, !session.quitSent {
            for line in bytes.split(separator: UInt8(ascii: "\n")) {
                session.read(replyLine: String(decoding: line, as: UTF8.self))
            }
        }
        return 0
    }

    private func read(replyLine raw: String) {
        let line = String(String.UnicodeScalarView(raw.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? " " : $0 }))
            .trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty else { return }
        replyLines.append(line)
        // `250-…` continues a reply, `250 …` (or a bare `250`) ends it.
        let isLast = line.count <= 3 || line.dropFirst(3).first != "-"
        guard isLast else { return }
        let reply = replyLines.joined(separator: " ")
        replyLines.removeAll()
        lastReply = reply.count > Self.maximumReplyLength ? String(reply.prefix(Self.maximumReplyLength - 1)) + "…" : reply
    }
}
