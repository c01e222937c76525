import GRDB
import RemitStore

/// A transaction on the channel store in SQLite: the inbox and every channel part's queries.
public final class SQLiteChannelTransaction: SQLiteTransaction, ChannelStoreTransaction {
    public var storefront: any StorefrontQueries { SQLiteStorefront(db: db) }
    public var channelUpdates: any ChannelUpdateQueries { SQLiteChannelUpdates(db: db) }
    public var uploads: any ChannelUploadQueries { SQLiteChannelUploads(db: db) }
    public var traceContexts: any TraceContextQueries { SQLiteTraceContexts(db: db) }
    public var buyerViews: any BuyerViewQueries { SQLiteBuyerViews(db: db) }
    public var credentials: any ChannelCredentialQueries { SQLiteChannelCredentials(db: db) }
    public var sessions: any PortalSessionQueries { SQLitePortalSessions(db: db) }
    public var signInFailures: any SignInFailureQueries { SQLiteSignInFailures(db: db) }
}
