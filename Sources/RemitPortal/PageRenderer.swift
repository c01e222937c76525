import Foundation
import Hummingbird
import Mustache

/// The portal's pages from the Mustache templates under `Templates/` (module resources, as the
/// invoice e-mail's are). Every page extends `layout`; values reach the HTML only through the
/// engine's escaping.
struct PageRenderer: Sendable {
    static let templates = [
        "layout", "sign-in", "invoices", "invoice-row", "invoice-actions", "invoice", "requests", "command", "message", "cart",
    ]
    private let library: MustacheLibrary

    struct TemplateError: Error, CustomStringConvertible {
        var description: String
    }

    /// Loads and compiles every template once.
    init() throws {
        var library = MustacheLibrary()
        for name in Self.templates {
            guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates") else {
                throw TemplateError(description: "\(name).mustache is not among the portal's resources")
            }
            do {
                library.register(try MustacheTemplate(string: try String(contentsOf: url, encoding: .utf8)), named: name)
            } catch {
                throw TemplateError(description: "\(name).mustache cannot be loaded: \(error)")
            }
        }
        self.library = library
    }

    /// `template` filled from `view`, as an HTML response nobody caches or frames.
    func page(_ template: String, _ view: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let html = library.render(ReflectedView.wrap(view) ?? view, withTemplate: template) ?? ""
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that only says something: a refusal, a missing page, a failure.
    func message(
        _ status: HTTPResponse.Status, heading: String, text: String, chrome: Chrome, headers: HTTPFields = [:]
    ) -> Response {
        page("message", MessageView(chrome: chrome, heading: heading, text: text), status: status, headers: headers)
    }

    /// The one "not found" page: for a missing page, a missing invoice and another account's invoice alike.
    func notFound(_ chrome: Chrome) -> Response {
        message(
            .notFound, heading: "Not found", text: "There is nothing here for you. It may not exist, or belong to another account.",
            chrome: chrome)
    }
}
