import GRDB
import RemitStore

/// Users' sign-in secrets (`ChannelCredentialQueries`) on the channel store's tables.
struct SQLiteChannelCredentials: ChannelCredentialQueries {
    let db: Database

    func userExists(login: String) throws -> Bool { try ChannelUser.exists(db, login: login) }
    func save(_ credential: ChannelCredential) throws { try credential.upsert(db) }
}
