import Foundation

/// Where and how to reach a broker. Parsed from `amqp://user:pass@host:port/vhost`, or
/// `amqps://…` for TLS; a cluster's nodes as `amqp://user:pass@host1:port1,host2:port2/vhost`.
public struct AMQPConfiguration: Sendable, CustomStringConvertible {
    /// The first node to try.
    public var host: String
    public var port: Int
    /// The cluster's other nodes, tried in order when a connect to the ones before fails.
    public var otherEndpoints: [AMQPEndpoint] = []
    public var user: String
    public var password: String
    public var vhost: String
    /// Seconds between heartbeats the client proposes; 0 disables them.
    public var heartbeatSeconds: Int
    /// How long a TCP connect may take.
    public var connectTimeoutSeconds: Int
    /// How long a publish waits for the broker's confirm (and a synchronous call for its reply)
    /// before it fails; a broker under a resource alarm holds confirms back.
    public var confirmTimeoutSeconds: Int = 30
    /// Shown in the management UI's connection list (client property `connection_name`).
    public var connectionName: String?
    /// TLS (`amqps://`) when set; plain TCP when nil.
    public var tls: TLSSettings?

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest",
        password: String = "guest", vhost: String = "/", heartbeatSeconds: Int = 30,
        connectTimeoutSeconds: Int = 5
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.vhost = vhost
        self.heartbeatSeconds = heartbeatSeconds
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// The query parameters `init(url:)` takes besides TLS's (`TLSSettings.parameterNames`).
    static let parameterNames = ["heartbeat", "connection_timeout", "confirm_timeout"]

    /// Every node to try, the first one first.
    public var endpoints: [AMQPEndpoint] { [AMQPEndpoint(host: host, port: port)] + otherEndpoints }

    /// The same configuration for one node alone.
    public func at(_ endpoint: AMQPEndpoint) -> AMQPConfiguration {
        var copy = self
        copy.host = endpoint.host
        copy.port = endpoint.port
        copy.otherEndpoints = []
        return copy
    }

    /// Parses an AMQP URI as RabbitMQ documents it: the path is the percent-encoded vhost
    /// (`/` is `%2F`); an empty path means the default vhost `/`. `amqps://` is TLS (port 5671 by
    /// default) with RabbitMQ's TLS query parameters; the files they name must be readable.
    /// Several nodes of one cluster go comma-separated where the host is
    /// (`amqp://u:p@node1:5672,node2:5673/vhost`); they share the user, vhost and parameters.
    public init(url given: String) throws {
        func invalid(_ why: String) -> AMQPError {
            AMQPError(
                .invalidConfiguration, operation: "parse AMQP URL '\(AMQPConfiguration.redact(given))'",
                host: "?", port: 0, vhost: "?", detail: why)
        }
        let (url, others) = try Self.splitHosts(given, invalid: invalid)
        guard let components = URLComponents(string: url) else { throw invalid("not a URL") }
        guard components.scheme == "amqp" || components.scheme == "amqps" else {
            throw invalid("the scheme must be amqp:// or amqps:// (TLS)")
        }
        if let problem = TLSSettings.queryProblem(components) { throw invalid(problem) }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        let isTLS = components.scheme == "amqps"
        self.init()
        self.host = host
        self.port = components.port ?? (isTLS ? 5671 : 5672)
        for other in others {
            otherEndpoints.append(try Self.endpoint(other, defaultPort: isTLS ? 5671 : 5672, invalid: invalid))
        }
        var tls = TLSSettings()
        if let user = components.percentEncodedUser { self.user = user.removingPercentEncoding ?? user }
        if let password = components.percentEncodedPassword {
            self.password = password.removingPercentEncoding ?? password
        }
        let path = components.percentEncodedPath
        if path.isEmpty || path == "/" {
            self.vhost = "/"
        } else {
            let raw = String(path.dropFirst())
            guard !raw.contains("/") else { throw invalid("the vhost must be one path segment; write '/' as %2F") }
            self.vhost = raw.removingPercentEncoding ?? raw
        }
        try take(query: components.queryItems ?? [], isTLS: isTLS, tls: &tls, invalid: invalid)
        if isTLS {
            do { try tls.validate() } catch { throw invalid(error.description) }
            self.tls = tls
        }
    }

    /// Takes the URL's query: heartbeat, timeouts, and TLS's parameters into `tls`.
    private mutating func take(
        query items: [URLQueryItem], isTLS: Bool, tls: inout TLSSettings, invalid: (String) -> AMQPError
    ) throws {
        for item in items {
            switch item.name {
            case "heartbeat":
                guard let value = item.value.flatMap(Int.init), value >= 0 else {
                    throw invalid("heartbeat must be a whole number of seconds")
                }
                heartbeatSeconds = value
            case "connection_timeout":
                guard let value = item.value.flatMap(Int.init), value > 0 else {
                    throw invalid("connection_timeout must be a positive number of milliseconds")
                }
                connectTimeoutSeconds = max(1, value / 1000)
            case "confirm_timeout":
                guard let value = item.value.flatMap(Int.init), (1...3600).contains(value) else {
                    throw invalid("confirm_timeout must be a whole number of seconds from 1 to 3600")
                }
                confirmTimeoutSeconds = value
            default:
                do {
                    try tls.take(
                        parameter: item.name, value: item.value, urlIsTLS: isTLS, tlsScheme: "amqps", otherKnown: Self.parameterNames)
                } catch { throw invalid(error.description) }
            }
        }
    }

    /// The same configuration, with a name the broker shows for the connection.
    public func named(_ name: String) -> AMQPConfiguration {
        var copy = self
        copy.connectionName = name
        return copy
    }

    /// The same configuration on another vhost.
    public func with(vhost: String) -> AMQPConfiguration {
        var copy = self
        copy.vhost = vhost
        return copy
    }

    /// The URL with the password replaced by `***`; safe to log.
    public var description: String {
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? vhost
        let hosts = ([AMQPEndpoint(host: host, port: port)] + otherEndpoints).map(\.description).joined(separator: ",")
        return "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(hosts)/\(encodedVhost)"
    }

    /// Splits `scheme://userinfo@host1:port1,host2:port2/…` into the URL with the first host alone
    /// and the other `host:port` texts.
    private static func splitHosts(_ url: String, invalid: (String) -> AMQPError) throws -> (String, [String]) {
        guard let schemeEnd = url.range(of: "://")?.upperBound else { return (url, []) }
        let rest = url[schemeEnd...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hosts = authority[hostStart...].split(separator: ",", omittingEmptySubsequences: false)
        guard hosts.count > 1 else { return (url, []) }
        guard hosts.count <= 16 else { throw invalid("at most 16 hosts") }
        guard hosts.allSatisfy({ !$0.isEmpty }) else { throw invalid("an empty host in the host list") }
        return (String(url[..<hostStart]) + hosts[0] + url[authorityEnd...], hosts.dropFirst().map(String.init))
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port` from a URL's host list.
    private static func endpoint(_ text: String, defaultPort: Int, invalid: (String) -> AMQPError) throws -> AMQPEndpoint {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let value = Int(after.dropFirst()) else { throw invalid("a host in the list has a bad port") }
                port = value
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { throw invalid("a host in the list has a bad port") }
            port = value
            host = host[..<colon]
        }
        guard (1...65_535).contains(port) else { throw invalid("a host's port must be within 1…65535") }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._:".contains($0)) }) else {
            throw invalid("a host in the list is not a host name or address")
        }
        return AMQPEndpoint(host: String(host), port: port)
    }

    /// Hides the credentials in `text` whether or not it parses as a URL, so an error can show
    /// what was given. A password may itself hold `@`, `/`, `#`, `?` or `:`, so:
    /// - with an `@`, everything between the scheme and the last `@` is user-info and goes; the
    ///   user name (before its first `:`) stays only after a well-formed `scheme://`;
    /// - without one, a `:` in the authority followed by anything but a port number may start a
    ///   password (`amqp://user:secret`, the host forgotten), so everything from it goes.
    public static func redact(_ text: String) -> String {
        let scheme = schemePrefix(of: text)
        if let at = text.lastIndex(of: "@") {
            let userInfo = text[scheme.end..<at]
            if scheme.isWellFormed, let colon = userInfo.firstIndex(of: ":") {
                return text[..<colon] + ":***" + text[at...]
            }
            return text[..<scheme.end] + "***" + text[at...]
        }
        var authority = text[scheme.end...].prefix { !"/?#".contains($0) }
        if authority.first == "[", let bracket = authority.firstIndex(of: "]") {
            authority = authority[bracket...]  // an IPv6 literal's colons are not a password's
        }
        if let colon = authority.firstIndex(of: ":"),
            !authority[authority.index(after: colon)...].allSatisfy({ $0.isASCII && $0.isNumber })
        {
            return text[..<colon] + ":***"
        }
        return text
    }

    /// Where a leading `scheme://` ends, also for the typos `scheme:/` and `scheme//` (then not
    /// well-formed); the start when there is none, e.g. `user:pw@host`.
    private static func schemePrefix(of text: String) -> (end: String.Index, isWellFormed: Bool) {
        guard let first = text.first, first.isASCII, first.isLetter else { return (text.startIndex, false) }
        let name = text.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
        for (separator, isWellFormed) in [("://", true), (":/", false), ("//", false)]
        where text[name.endIndex...].hasPrefix(separator) {
            return (text.index(name.endIndex, offsetBy: separator.count), isWellFormed)
        }
        return (text.startIndex, false)
    }
}
