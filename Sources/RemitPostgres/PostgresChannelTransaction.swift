import RemitStore

/// A transaction on the channel store in PostgreSQL: the inbox and every channel part's queries. In
/// a write transaction (`locking`) the reads a rule rests on lock their rows.
final class PostgresChannelTransaction: ChannelStoreTransaction {
    let session: PostgresSession
    let locking: Bool

    init(_ session: PostgresSession, locking: Bool) {
        self.session = session
        self.locking = locking
    }

    var inbox: any MessageInbox { PostgresInbox(session: session) }
    var storefront: any StorefrontQueries { PostgresStorefront(session: session, locking: locking) }
    var channelUpdates: any ChannelUpdateQueries { PostgresChannelUpdates(session: session) }
    var uploads: any ChannelUploadQueries { PostgresChannelUploads(session: session) }
    var buyerViews: any BuyerViewQueries { PostgresBuyerViews(session: session, locking: locking) }
    var credentials: any ChannelCredentialQueries { PostgresChannelCredentials(session: session) }
    var sessions: any PortalSessionQueries { PostgresPortalSessions(session: session) }
    var signInFailures: any SignInFailureQueries { PostgresSignInFailures(session: session) }
    var traceContexts: any TraceContextQueries { PostgresTraceContexts(session: session) }

    func savepoint<T>(_ body: () throws -> T) throws -> T { try session.savepoint(body) }
}
