/// Sign-in secrets in the channel store, as `remit users` and the seed set them.
public protocol ChannelCredentialQueries {
    /// Whether the channel knows a user with this login.
    func userExists(login: String) throws -> Bool
    /// Stores the credential, replacing the user's earlier one.
    func save(_ credential: ChannelCredential) throws
}
