import Foundation
import RemitCore

public struct BindingDefinition: Sendable, Codable, Equatable {
    public var source: String
    public var vhost: String?
    public var destination: String
    public var destinationType: String
    public var routingKey: String
    public var arguments: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case source, vhost, destination, destinationType = "destination_type", routingKey = "routing_key", arguments
    }
}
