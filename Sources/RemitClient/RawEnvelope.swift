import Foundation
import Logging
import RemitAMQP
import RemitCore
import RemitMessages

/// An envelope whose body is any JSON, for producers that do not know the Swift body type.
struct RawEnvelope: Codable {
    var type: String
    var version: Int
    var id: String
    var correlationId: String
    var causationId: String?
    var occurredAt: Date
    var actingUser: String
    var body: JSONValue
}
