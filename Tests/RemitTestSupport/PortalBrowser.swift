import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Synchronization

/// A browser's cookie jar over the test client: sends its cookies, keeps what the portal sets.
public final class Browser: Sendable {
    public let client: any TestClientProtocol
    private let jar = Mutex<[String: String]>([:])

    public init(_ client: any TestClientProtocol) { self.client = client }

    public var cookies: [String: String] { jar.withLock { $0 } }

    public func get(_ uri: String) async throws -> TestResponse {
        try await send(uri, method: .get, body: nil)
    }

    public func post(_ uri: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await send(uri, method: .post, body: body)
    }

    /// An API call: `body` as JSON (already encoded), the session's cookies, and `csrf` as the
    /// X-CSRF-Token header when given.
    public func api(
        _ method: HTTPRequest.Method, _ uri: String, json body: String? = nil, csrf: String? = nil,
        contentType: String = "application/json", headers extra: [String: String] = [:]
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.accept: "application/json"]
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        if let csrf { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        if body != nil { headers[.contentType] = contentType }
        return try await send(uri, method: method, body: body, headers: headers)
    }

    private func send(
        _ uri: String, method: HTTPRequest.Method, body: String?, headers given: HTTPFields? = nil
    ) async throws
        -> TestResponse
    {
        var headers: HTTPFields = given ?? [:]
        let cookies = self.cookies
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        if body != nil, given == nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        jar.withLock { jar in
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                let expired = header.contains("Max-Age=0") || header.lowercased().contains("expires=thu, 01 jan 1970")
                if expired { jar.removeValue(forKey: String(pair[0])) } else { jar[String(pair[0])] = String(pair[1]) }
            }
        }
        return response
    }

    struct NoForm: Error, CustomStringConvertible {
        var description: String
    }

    public func forget(_ cookie: String) { _ = jar.withLock { $0.removeValue(forKey: cookie) } }
    public func set(_ cookie: String, _ value: String) { jar.withLock { $0[cookie] = value } }

    /// Signs in through the form, as a person would; returns the sign-in answer.
    @discardableResult
    public func signIn(_ login: String, _ password: String) async throws -> TestResponse {
        let form = try await get("/sign-in")
        guard let token = form.html.firstCSRFToken else { throw NoForm(description: "the sign-in page carries no CSRF token") }
        return try await post("/sign-in", [("csrf", token), ("login", login), ("password", password)])
    }
}

extension TestResponse {
    public var html: String { String(buffer: body) }
    public var location: String? { headers[.location] }
}

extension String {
    /// The value of the first `csrf` field of the page's forms.
    public var firstCSRFToken: String? { matches(of: /name="csrf" value="([^"]+)"/).first.map { String($0.output.1) } }
    /// The invoice numbers in the rows of the invoice table.
    public var invoiceRows: [String] {
        matches(of: /<th scope="row"[^>]*><a href="[^"]*">([^<]+)<\/a><\/th>/).map { String($0.output.1) }
    }
}

extension TestResponse {
    /// The body as JSON.
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) }
    public var object: [String: Any] { json as? [String: Any] ?? [:] }
}
