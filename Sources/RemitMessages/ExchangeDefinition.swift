import Foundation
import RemitCore

public struct ExchangeDefinition: Sendable, Codable, Equatable {
    public var name: String
    public var vhost: String?
    public var type: String
    public var durable: Bool
    public var autoDelete: Bool
    public var `internal`: Bool
    public var arguments: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case name, vhost, type, durable, autoDelete = "auto_delete", `internal`, arguments
    }
}
