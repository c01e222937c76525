import Foundation
import Hummingbird
import Mustache

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
