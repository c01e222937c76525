import Foundation
import RemitAMQP
import RemitCore
import RemitCurl
import RemitMessages

/// A client for RabbitMQ's management HTTP API: what AMQP cannot tell (a queue's arguments,
/// bindings) and vhost administration. Errors name the URL without credentials.
public struct BrokerManagement: Sendable {
    public let baseURL: URL
    let user: String
    let password: String
    /// For an `https://` base URL: whom to trust and what to present; nil for `http://`.
    public let tls: TLSSettings?

    public init(baseURL: URL, user: String, password: String, tls: TLSSettings? = nil) {
        self.baseURL = baseURL
        self.user = user
        self.password = password
        self.tls = baseURL.scheme == "https" ? tls ?? TLSSettings() : nil
    }

    /// The management API of the broker `amqp` points at — `http://HOST:15672`, or for `amqps://`
    /// `https://HOST:15671` with the AMQP URL's TLS settings — or `explicit`. An explicit
    /// `https://` URL uses the AMQP URL's CA file, client certificate and `verify`, which its own
    /// query parameters of the same names (RabbitMQ's) override.
    public init(amqp: AMQPConfiguration, explicit: String?) throws {
        guard let explicit, !explicit.isEmpty else {
            var components = URLComponents()
            components.scheme = amqp.tls == nil ? "http" : "https"
            components.host = amqp.host
            components.port = amqp.tls == nil ? 15672 : 15671
            self.init(baseURL: components.url!, user: amqp.user, password: amqp.password, tls: amqp.tls)
            return
        }
        func invalid(_ why: String) -> ManagementError {
            ManagementError(operation: "parse management URL", url: AMQPConfiguration.redact(explicit), detail: why)
        }
        guard var components = URLComponents(string: explicit) else { throw invalid("not a URL") }
        guard components.scheme == "http" || components.scheme == "https" else {
            throw invalid("expected http://host:port or https://host:port")
        }
        if let problem = TLSSettings.queryProblem(components) { throw invalid(problem) }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        let isTLS = components.scheme == "https"
        var tls = amqp.tls ?? TLSSettings()
        // The AMQP URL's server name is for its host; this URL names its own.
        tls.serverName = nil
        for item in components.queryItems ?? [] {
            do {
                try tls.take(parameter: item.name, value: item.value, urlIsTLS: isTLS, tlsScheme: "https", otherKnown: [])
            } catch { throw invalid(error.description) }
        }
        if isTLS {
            do { try tls.validate() } catch { throw invalid(error.description) }
        }
        let user = components.percentEncodedUser.map { $0.removingPercentEncoding ?? $0 } ?? amqp.user
        let password = components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 } ?? amqp.password
        components.percentEncodedUser = nil
        components.percentEncodedPassword = nil
        components.query = nil
        components.fragment = nil
        guard let baseURL = components.url else { throw invalid("not a URL") }
        self.init(baseURL: baseURL, user: user, password: password, tls: isTLS ? tls : nil)
    }

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? segment
    }

    private func request(_ method: String, _ path: String, body: Data? = nil) async throws -> (Int, Data) {
        let client = CurlHTTPClient(timeoutSeconds: 15, tls: tls)
        let base = baseURL.absoluteString.hasSuffix("/") ? String(baseURL.absoluteString.dropLast()) : baseURL.absoluteString
        guard let url = URL(string: base + path) else {
            throw ManagementError(operation: "\(method) \(path)", url: baseURL.absoluteString, detail: "not a URL path")
        }
        let headers = body == nil ? [] : [("Content-Type", "application/json")]
        do {
            let response = try await client.send(
                method: method, url: url, headers: headers, body: body, credentials: (user, password))
            if response.status == 401 {
                throw ManagementError(
                    operation: "\(method) \(path)", url: baseURL.absoluteString,
                    detail: "401: the management API refused user '\(user)'")
            }
            return (response.status, response.body)
        } catch let error as ManagementError {
            throw error
        } catch let failure as CurlError {
            let hint: String
            switch failure.code {
            case .certificate:
                let trusted = tls?.caFile.map { "cacertfile \($0)" } ?? "the system's trust store"
                hint = " — TLS certificate verification failed: the server's certificate is not trusted by \(trusted) or not for this host"
            case .tls:
                hint = " — the TLS handshake failed (is it an https listener; does it want a client certificate, certfile and keyfile?)"
            case .connect, .login, .timeout, .transfer, .setup:
                hint = " — is the rabbitmq_management plugin enabled?"
            }
            throw ManagementError(operation: "\(method) \(path)", url: baseURL.absoluteString, detail: "\(failure)\(hint)")
        } catch {
            throw ManagementError(
                operation: "\(method) \(path)", url: baseURL.absoluteString,
                detail: "\(error) — is the rabbitmq_management plugin enabled?")
        }
    }

    func getJSON(_ path: String) async throws -> JSONValue? {
        let (status, data) = try await send("GET", path, allowing: [404])
        return status == 404 ? nil : try JSONValue.parse(data)
    }

    public func queue(vhost: String, name: String) async throws -> JSONValue? {
        try await getJSON("/api/queues/\(Self.encode(vhost))/\(Self.encode(name))")
    }

    public func queues(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/queues/\(Self.encode(vhost))")?.arrayValue ?? []
    }

    /// Every consumer of the vhost: its `consumer_tag`, its `queue` (`name`), its channel.
    public func consumers(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/consumers/\(Self.encode(vhost))")?.arrayValue ?? []
    }

    public func exchange(vhost: String, name: String) async throws -> JSONValue? {
        try await getJSON("/api/exchanges/\(Self.encode(vhost))/\(Self.encode(name))")
    }

    public func bindings(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/bindings/\(Self.encode(vhost))")?.arrayValue ?? []
    }

    /// The broker's name (`cluster_name`), version and listeners (protocol and port per node).
    public func overview() async throws -> JSONValue {
        guard let overview = try await getJSON("/api/overview") else {
            throw ManagementError(operation: "GET /api/overview", url: baseURL.absoluteString, detail: "HTTP 404")
        }
        return overview
    }

    public func policies(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/policies/\(Self.encode(vhost))")?.arrayValue ?? []
    }

    public func operatorPolicies(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/operator-policies/\(Self.encode(vhost))")?.arrayValue ?? []
    }

    /// Creates a vhost and gives the API's user all permissions on it.
    public func createVhost(_ vhost: String) async throws {
        try await send("PUT", "/api/vhosts/\(Self.encode(vhost))", json: [:])
        try await setPermissions(vhost: vhost, user: user, configure: ".*", write: ".*", read: ".*")
    }

    public func deleteVhost(_ vhost: String) async throws {
        try await send("DELETE", "/api/vhosts/\(Self.encode(vhost))", allowing: [404])
    }

    /// Sends `json` (when given, as a JSON object) and checks the status: 2xx, or one of `allowing`.
    /// An error names the request and the response, never the request's body (it may hold a password).
    @discardableResult
    func send(
        _ method: String, _ path: String, json: [String: String]? = nil, allowing: Set<Int> = []
    ) async throws -> (status: Int, body: Data) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let (status, data) = try await request(method, path, body: try json.map { try encoder.encode($0) })
        guard (200..<300).contains(status) || allowing.contains(status) else {
            throw ManagementError(
                operation: "\(method) \(path)", url: baseURL.absoluteString,
                detail: "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return (status, data)
    }
}

/// Broker users: what `remit producers` manages. The API's user needs the `administrator` tag.
extension BrokerManagement {
    /// The users with permissions on `vhost`, each with its permissions (`user`, `configure`, …).
    public func permissions(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/vhosts/\(Self.encode(vhost))/permissions")?.arrayValue ?? []
    }

    public func user(_ name: String) async throws -> JSONValue? {
        try await getJSON("/api/users/\(Self.encode(name))")
    }

    /// Creates `name` or sets its password; `tags` comma-separated, empty for none.
    public func putUser(_ name: String, password: String, tags: String = "") async throws {
        try await send("PUT", "/api/users/\(Self.encode(name))", json: ["password": password, "tags": tags])
    }

    public func deleteUser(_ name: String) async throws {
        try await send("DELETE", "/api/users/\(Self.encode(name))", allowing: [404])
    }

    /// What `user` may configure, write and read on `vhost` (regular expressions on names).
    public func setPermissions(vhost: String, user: String, configure: String, write: String, read: String) async throws {
        try await send(
            "PUT", "/api/permissions/\(Self.encode(vhost))/\(Self.encode(user))",
            json: ["configure": configure, "write": write, "read": read])
    }

    /// The routing keys `user` may publish with (`write`) and bind with (`read`) on the topic exchange `exchange`.
    public func setTopicPermissions(vhost: String, user: String, exchange: String, write: String, read: String) async throws {
        try await send(
            "PUT", "/api/topic-permissions/\(Self.encode(vhost))/\(Self.encode(user))",
            json: ["exchange": exchange, "write": write, "read": read])
    }
}
