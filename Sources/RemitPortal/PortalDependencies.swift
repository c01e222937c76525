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

/// What the portal reads from and publishes to. It reads the channel store and writes there only its
/// own state (sessions, failed sign-ins): every change a buyer asks for is a command published with
/// confirms, applied by the workers.
public struct PortalDependencies: Sendable {
    public var channel: any PortalChannelStore
    public var publisher: any CommandPublishing
    /// Builds and checks the commands' envelopes, as every producer does.
    public var producer: Producer
    /// Only its cost matters: unknown logins are checked against a hash of that cost, so a wrong
    /// login takes as long as a wrong password.
    public var passwordHasher: PasswordHasher
    public var clock: any WallClock
    public var logger: Logger

    public init(
        channel: any PortalChannelStore, publisher: any CommandPublishing, producer: Producer, passwordHasher: PasswordHasher,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.channel = channel
        self.publisher = publisher
        self.producer = producer
        self.passwordHasher = passwordHasher
        self.clock = clock
        self.logger = logger
    }
}
