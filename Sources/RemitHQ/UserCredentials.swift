import Foundation
import RemitCore
import RemitMessages
import RemitStore

/// Sets B2B users' passwords: a bcrypt hash per user in the channel store's `channel_credential`,
/// where sign-in happens, for users HQ or the channel knows. Used by `remit users set-password` and
/// by the demo seed. Errors name the user, never the password.
public struct UserCredentials: Sendable {
    let hq: any HQStoreBackend
    /// The channel store, where credentials live.
    let channel: any MessageStoreBackend
    let hasher: PasswordHasher
    let clock: any WallClock

    /// Users per transaction when setting many passwords: a progress step, and little lost on a crash.
    static let chunkSize = 256

    public init(hq: any HQStoreBackend, channel: any MessageStoreBackend, hasher: PasswordHasher, clock: any WallClock) {
        self.hq = hq
        self.channel = channel
        self.hasher = hasher
        self.clock = clock
    }

    /// Throws unless HQ or the channel has a user with this login.
    public func requireKnownUser(_ login: String) async throws {
        let inHQ = try await hq.readHQ { hq in try hq.accounts.userExists(login: login) }
        if inHQ { return }
        let inChannel = try await channel.read { store in try store.channel().credentials.userExists(login: login) }
        guard inChannel else { throw CredentialError(.unknownUser, login: login) }
    }

    /// Sets (or replaces) one user's password.
    public func setPassword(_ password: String, for login: String) async throws {
        try Self.checkAcceptable(password, for: login)
        try await requireKnownUser(login)
        let credential = ChannelCredential(login: login, passwordHash: await hasher.hash(password), updatedAt: clock.now())
        try await channel.write { store in try store.channel().credentials.save(credential) }
    }

    /// Gives every HQ user `password`, each hashed with a salt of their own; returns how many.
    /// - Parameter progress: called with (users done, total) after each chunk.
    @discardableResult
    public func setPasswordForEveryHQUser(_ password: String, progress: @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Int {
        try Self.checkAcceptable(password, for: "every user")
        let logins = try await hq.readHQ { hq in try hq.accounts.userLogins() }
        progress(0, logins.count)
        for start in stride(from: 0, to: logins.count, by: Self.chunkSize) {
            let chunk = logins[start..<min(start + Self.chunkSize, logins.count)]
            let hashes = await hasher.hash(Array(repeating: password, count: chunk.count))
            let now = clock.now()
            try await channel.write { store in
                let credentials = try store.channel().credentials
                for (login, hash) in zip(chunk, hashes) {
                    try credentials.save(ChannelCredential(login: login, passwordHash: hash, updatedAt: now))
                }
            }
            progress(start + chunk.count, logins.count)
        }
        return logins.count
    }

    static func checkAcceptable(_ password: String, for login: String) throws {
        if password.isEmpty { throw CredentialError(.emptyPassword, login: login) }
        if password.utf8.count > PasswordHasher.maximumPasswordBytes { throw CredentialError(.passwordTooLong, login: login) }
    }
}
