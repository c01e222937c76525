import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import NIOCore
import RemitStore

/// What the portal keeps per signed-in browser (in the channel store, under a digest of the session
/// cookie).
public struct PortalSession: Codable, Sendable, Equatable {
    public var login: String
    /// Every form of the session carries it; a POST without it is refused (CSRF).
    public var csrfToken: String
    /// The commands this session sent, newest last, so their pages can show them as pending
    /// before their outcome is recorded (and nobody else's).
    public var commands: [SentCommand]

    public static let keptCommands = 50
}
