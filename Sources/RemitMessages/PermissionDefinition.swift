import Foundation
import RemitCore

/// A user's permissions on a vhost: regular expressions over the names it may configure, write and read.
public struct PermissionDefinition: Sendable, Codable, Equatable {
    public var user: String
    public var vhost: String
    public var configure: String
    public var write: String
    public var read: String

    public init(user: String, vhost: String, configure: String, write: String, read: String) {
        self.user = user
        self.vhost = vhost
        self.configure = configure
        self.write = write
        self.read = read
    }
}
