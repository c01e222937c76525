import Foundation
import RemitCore

public struct QueueDefinition: Sendable, Codable, Equatable {
    public var name: String
    public var vhost: String?
    public var durable: Bool
    public var autoDelete: Bool
    public var arguments: [String: JSONValue]

    enum CodingKeys: String, CodingKey { case name, vhost, durable, autoDelete = "auto_delete", arguments }
}
