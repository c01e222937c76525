import Foundation

/// Where and how to reach an SMTP server, parsed from
/// `smtp://[user[:password]@]host[:port][?starttls=required|optional|off&timeout=SECONDS&ca-file=PATH&verify=off]`
/// or `smtps://…` for TLS from the first byte.
public struct SMTPConfiguration: Sendable, CustomStringConvertible {
    /// How `smtp://` uses STARTTLS.
    public enum StartTLS: String, Sendable, CaseIterable {
        /// Upgrade or fail: the server must offer STARTTLS.
        case required
        /// Upgrade when the server offers it, otherwise go on in plain text.
        case optional
        /// Never upgrade.
        case off
    }

    /// `true` for `smtps://`: TLS from the first byte (port 465 by default).
    public var implicitTLS: Bool
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    /// Ignored with implicit TLS.
    public var startTLS: StartTLS
    /// How long one delivery may take in all; connecting gets at most 10 seconds of it.
    public var timeoutSeconds: Int
    /// PEM file of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// `false` (`verify=off`) accepts any server certificate and name: for tests with self-signed certificates.
    public var verifyCertificate: Bool

    /// The query keys the URL may carry.
    public static let queryKeys = ["starttls", "timeout", "ca-file", "verify"]

    /// Parses the URL. Errors say what is wrong without quoting the URL, so a password in it,
    /// wherever a typo put it, never reaches a log.
    public init(url: String) throws(MailError) {
        guard let components = URLComponents(string: url) else {
            throw .invalidConfiguration("the SMTP URL does not parse (expected smtp://[user[:password]@]host[:port][?key=value&…])")
        }
        guard let scheme = components.scheme else { throw .invalidConfiguration("the scheme must be smtp:// or smtps://") }
        switch scheme.lowercased() {
        case "smtp": implicitTLS = false
        case "smtps": implicitTLS = true
        default: throw .invalidConfiguration("the scheme must be smtp:// or smtps://")
        }
        guard let host = components.host, !host.isEmpty else { throw .invalidConfiguration("the SMTP URL has no host") }
        guard host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && !"/?#@\\".unicodeScalars.contains($0) }) else {
            throw .invalidConfiguration("the host must be a name or an IP address")
        }
        self.host = host
        // URLComponents refuses a port that is not a number; it keeps a number out of range.
        if let port = components.port {
            guard (1...65535).contains(port) else { throw .invalidConfiguration("the port must be a number from 1 to 65535") }
            self.port = port
        } else {
            port = implicitTLS ? 465 : 25
        }
        guard components.percentEncodedPath.isEmpty || components.percentEncodedPath == "/" else {
            throw .invalidConfiguration("the SMTP URL takes no path")
        }
        guard components.fragment == nil else { throw .invalidConfiguration("the SMTP URL takes no fragment (#…)") }
        func decoded(_ text: String?, _ what: String) throws(MailError) -> String? {
            guard let text else { return nil }
            guard let value = text.removingPercentEncoding else {
                throw .invalidConfiguration("the \(what) holds a '%' that does not start a percent-encoded byte")
            }
            return value
        }
        user = try decoded(components.percentEncodedUser, "user name")
        password = try decoded(components.percentEncodedPassword, "password")
        startTLS = .optional
        timeoutSeconds = 30
        caFile = nil
        verifyCertificate = true
        try take(query: components.queryItems ?? [])
    }

    /// Takes the URL's query: STARTTLS, the timeout, the CA file, verification.
    private mutating func take(query items: [URLQueryItem]) throws(MailError) {
        for item in items {
            let value = item.value ?? ""
            switch item.name {
            case "starttls":
                guard let mode = StartTLS(rawValue: value) else {
                    throw .invalidConfiguration("starttls must be required, optional or off")
                }
                guard !implicitTLS else { throw .invalidConfiguration("starttls does not apply to smtps://, which is TLS throughout") }
                startTLS = mode
            case "timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw .invalidConfiguration("timeout must be a whole number of seconds from 1 to 3600")
                }
                timeoutSeconds = seconds
            case "ca-file":
                guard !value.isEmpty else { throw .invalidConfiguration("ca-file must name a PEM file") }
                caFile = value
            case "verify":
                guard value == "on" || value == "off" else { throw .invalidConfiguration("verify must be on or off") }
                verifyCertificate = value == "on"
            default:
                // The key is not quoted: a password with a '?' in it, unencoded, lands in the query.
                throw .invalidConfiguration(
                    "the SMTP URL has a query key that is not one of \(Self.queryKeys.joined(separator: ", "))")
            }
        }
    }

    /// The URL libcurl connects to: scheme, host and port only (credentials go separately).
    var curlURL: String { "\(implicitTLS ? "smtps" : "smtp")://\(hostAndPort)" }

    /// An IPv6 address between brackets, as URLs write it.
    private var hostAndPort: String {
        "\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(port)"
    }

    /// The URL with the password replaced by `***`; safe to log.
    public var description: String {
        var text = implicitTLS ? "smtps://" : "smtp://"
        if let user {
            text += user.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? user
            if password != nil { text += ":***" }
            text += "@"
        }
        text += hostAndPort
        var query: [String] = []
        if !implicitTLS { query.append("starttls=\(startTLS.rawValue)") }
        query.append("timeout=\(timeoutSeconds)")
        if let caFile { query.append("ca-file=\(caFile)") }
        if !verifyCertificate { query.append("verify=off") }
        return text + "?" + query.joined(separator: "&")
    }
}
