import Foundation
import RemitAMQP
import RemitCore
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
        } catch let failure as CurlHTTPClient.Failure {
            let hint: String
            if failure.isCertificateFailure {
                let trusted = tls?.caFile.map { "cacertfile \($0)" } ?? "the system's trust store"
                hint = " — TLS certificate verification failed: the server's certificate is not trusted by \(trusted) or not for this host"
            } else if failure.isTLSFailure {
                hint = " — the TLS handshake failed (is it an https listener; does it want a client certificate, certfile and keyfile?)"
            } else {
                hint = " — is the rabbitmq_management plugin enabled?"
            }
            throw ManagementError(operation: "\(method) \(path)", url: baseURL.absoluteString, detail: "\(failure)\(hint)")
        } catch {
            throw ManagementError(
                operation: "\(method) \(path)", url: baseURL.absoluteString,
                detail: "\(error) — is the rabbitmq_management plugin enabled?")
        }
    }

    private func getJSON(_ path: String) async throws -> JSONValue? {
        let (status, data) = try await request("GET", path)
        if status == 404 { return nil }
        guard (200..<300).contains(status) else {
            throw ManagementError(
                operation: "GET \(path)", url: baseURL.absoluteString,
                detail: "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return try JSONValue.parse(data)
    }

    public func queue(vhost: String, name: String) async throws -> JSONValue? {
        try await getJSON("/api/queues/\(Self.encode(vhost))/\(Self.encode(name))")
    }

    public func queues(vhost: String) async throws -> [JSONValue] {
        try await getJSON("/api/queues/\(Self.encode(vhost))")?.arrayValue ?? []
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
        for (path, body) in [
            ("/api/vhosts/\(Self.encode(vhost))", Data("{}".utf8)),
            (
                "/api/permissions/\(Self.encode(vhost))/\(Self.encode(user))",
                Data(#"{"configure":".*","write":".*","read":".*"}"#.utf8)
            ),
        ] {
            let (status, data) = try await request("PUT", path, body: body)
            guard (200..<300).contains(status) else {
                throw ManagementError(
                    operation: "PUT \(path)", url: baseURL.absoluteString,
                    detail: "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
        }
    }

    public func deleteVhost(_ vhost: String) async throws {
        let path = "/api/vhosts/\(Self.encode(vhost))"
        let (status, data) = try await request("DELETE", path)
        guard (200..<300).contains(status) || status == 404 else {
            throw ManagementError(
                operation: "DELETE \(path)", url: baseURL.absoluteString,
                detail: "HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
    }
}

public struct ManagementError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var url: String
    public var detail: String
    public var description: String { "RabbitMQ management API \(url): \(operation) failed: \(detail)" }
}
