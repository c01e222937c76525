import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIHummingbird
import RemitClient
import RemitCore
import RemitStore
import ServiceLifecycle

/// The API's OpenAPI document, as the repository holds it (the code is generated from it).
enum APIDocument {
    struct Missing: Error, CustomStringConvertible {
        var description: String { "openapi.yaml is not among the portal's resources" }
    }

    static func load() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw Missing() }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
