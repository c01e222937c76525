import CCurl
import Foundation
import RemitCurl

/// One SMTP session through a libcurl easy handle (`CurlEasy`), run on the calling thread (it
/// blocks). The only file of RemitMail that touches libcurl: no curl type or code leaves it, only a
/// `MailDelivery`.
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
        let session = CurlSMTPSession(payload: Array(message.rfc5322()))
        // The session outlives the handle: cleanup may still send QUIT and call back.
        return withExtendedLifetime(session) {
            let easy: CurlEasy
            do throws(CurlError) { easy = try CurlEasy() } catch { return .unavailable(reason: error.detail) }
            session.setOptions(on: easy, message: message, configuration: configuration)
            do throws(CurlError) {
                try easy.perform { Self.redacting(configuration.password, in: $0) }
                return session.outcome(nil, code: easy.responseCode, configuration: configuration)
            } catch {
                return session.outcome(error, code: easy.responseCode, configuration: configuration)
            }
        }
    }

    /// Sets the handle's options for one delivery; a refused one is reported by `perform`.
    private func setOptions(on easy: CurlEasy, message: MailMessage, configuration: SMTPConfiguration) {
        let handle = easy.handle
        let context = Unmanaged.passUnretained(self).toOpaque()
        easy.set("URL", CURLOPT_URL, configuration.curlURL)
        easy.set("PROTOCOLS_STR", CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        easy.set("MAIL_FROM", CURLOPT_MAIL_FROM, "<\(message.from.address)>")
        easy.set("MAIL_RCPT", CURLOPT_MAIL_RCPT, list: ["<\(message.to.address)>"])
        easy.set("UPLOAD", CURLOPT_UPLOAD, 1)
        easy.record("INFILESIZE_LARGE", remit_curl_set_offset(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(payload.count)))
        easy.record("READFUNCTION", remit_curl_set_read_function(handle, Self.readCallback))
        easy.record("READDATA", remit_curl_set_pointer(handle, CURLOPT_READDATA, context))
        easy.set("VERBOSE", CURLOPT_VERBOSE, 1)
        easy.record("DEBUGFUNCTION", remit_curl_set_debug_function(handle, Self.debugCallback))
        easy.record("DEBUGDATA", remit_curl_set_pointer(handle, CURLOPT_DEBUGDATA, context))
        easy.limit(seconds: configuration.timeoutSeconds)
        let tls: curl_usessl
        switch (configuration.implicitTLS, configuration.startTLS) {
        case (true, _), (false, .required): tls = CURLUSESSL_ALL
        case (false, .optional): tls = CURLUSESSL_TRY
        case (false, .off): tls = CURLUSESSL_NONE
        }
        easy.tlsInUse = tls != CURLUSESSL_NONE
        easy.set("USE_SSL", CURLOPT_USE_SSL, Int(tls.rawValue))
        if let user = configuration.user {
            easy.set("USERNAME", CURLOPT_USERNAME, user)
            easy.set("PASSWORD", CURLOPT_PASSWORD, configuration.password ?? "")
        }
        easy.apply(CurlTLSOptions(caFile: configuration.caFile, verifyPeer: configuration.verifyCertificate))
    }

    /// What the session's result means for the message: accepted, rejected (5xx), deferred (4xx) or
    /// unavailable. `failure` is nil when libcurl finished the session.
    private func outcome(_ failure: CurlError?, code: Int, configuration: SMTPConfiguration) -> MailDelivery {
        let reply = lastReply.map { Self.redacting(configuration.password, in: $0) }
        guard let failure else { return .accepted(reply: reply ?? "\(code)") }
        let curlError = failure.detail
        if (500...599).contains(code) {
            return .rejected(code: code, reply: reply ?? curlError)
        }
        let reason = reply.map { "\(curlError); the server said: \($0)" } ?? curlError
        // A 4xx is the server's answer about this message; anything else means no SMTP
        // conversation could be had (no connection, TLS, STARTTLS), whatever the message.
        return (400...499).contains(code) ? .deferred(reason: reason) : .unavailable(reason: reason)
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
