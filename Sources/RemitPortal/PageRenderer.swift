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

/// What the layout shows around every page: the title and, when signed in, the user and the
/// sign-out form.
struct Chrome {
    let title: String
    let userName: String?
    let csrf: String?

    static func signedOut(_ title: String) -> Chrome { Chrome(title: title, userName: nil, csrf: nil) }

    static func of(_ context: PortalRequestContext, title: String) -> Chrome {
        Chrome(title: title, userName: context.identity?.user.displayName, csrf: context.sessions.session?.csrfToken)
    }
}

struct MessageView {
    let chrome: Chrome
    let heading: String
    let text: String
}

/// A view's fields, read once by reflection, for the template engine to look up by name.
///
/// swift-mustache looks a name up with a new `Mirror` of the object each time, and a name a row does
/// not have (the session's CSRF token, say) goes through every object up the stack: the Invoices
/// page on 50 rows spent 85 % of its time in reflection, about 50 ms a page (issue #10). Wrapped
/// views are read once, whole, and then looked up in a dictionary; what a page renders is the same.
final class ReflectedView: MustacheParent {
    private let fields: [String: Any]

    private init(fields: [String: Any]) { self.fields = fields }

    func child(named name: String) -> Any? { fields[name] }

    /// `value` with every struct or class of ours inside it (through optionals and arrays) wrapped;
    /// text, numbers, booleans and types that describe themselves stay as they are. A nil optional
    /// becomes no value at all, as the engine treats it.
    static func wrap(_ value: Any) -> Any? {
        switch value {
        case is String, is Bool, is Int, is any MustacheParent, is any MustacheCustomRenderable:
            return value
        case let array as [Any]:
            return array.compactMap { wrap($0) }
        default:
            break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { wrap($0.value) }
        case .struct where !(value is any CustomStringConvertible), .class where !(value is any CustomStringConvertible):
            var fields: [String: Any] = [:]
            for case (let label?, let child) in mirror.children {
                if let wrapped = wrap(child) { fields[label] = wrapped }
            }
            return ReflectedView(fields: fields)
        default:
            return value
        }
    }
}
