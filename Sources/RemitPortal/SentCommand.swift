import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore
import RemitStore

/// A command the portal published for the session's user.
public struct SentCommand: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var invoiceNumber: String
}
