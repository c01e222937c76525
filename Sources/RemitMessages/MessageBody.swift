import Foundation
import RemitCore

/// A message body Remit knows: its wire type name and schema version.
public protocol MessageBody: Codable, Sendable {
    static var messageType: String { get }
    static var schemaVersion: Int { get }
}
