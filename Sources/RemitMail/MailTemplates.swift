import Foundation
import Mustache

/// The mail templates under `Templates/`, loaded and compiled.
enum MailTemplates {
    static func load(_ name: String) throws(MailError) -> MustacheTemplate {
        guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates") else {
            throw .template("\(name).mustache is not among the module's resources")
        }
        let source: String
        do {
            source = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .template("cannot read \(name).mustache: \(error)")
        }
        do {
            return try MustacheTemplate(string: source)
        } catch {
            throw .template("\(name).mustache does not compile: \(error)")
        }
    }
}
