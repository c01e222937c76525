import PostgresNIO
import RemitCore
import RemitStore

/// Sign-in secrets in the channel store on PostgreSQL (`channel_credential`).
struct PostgresChannelCredentials: ChannelCredentialQueries {
    let session: PostgresSession

    func userExists(login: String) throws -> Bool {
        try session.row("SELECT 1 FROM channel_user WHERE login = \(login)") != nil
    }

    /// One statement: two hosts setting the same user's password at once both succeed, the later
    /// write kept (as SQLite's upsert keeps it).
    func save(_ credential: ChannelCredential) throws {
        let updatedAt = Timestamp.format(credential.updatedAt)
        try session.execute(
            """
            INSERT INTO channel_credential (login, password_hash, updated_at) VALUES (\(credential.login), \(credential.passwordHash), \(updatedAt))
            ON CONFLICT (login) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at
            """)
    }
}
