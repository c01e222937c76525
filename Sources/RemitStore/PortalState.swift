/// What the portal writes in the channel store: its own state, never business state (every change
/// a buyer asks for is a command the workers apply).
public struct PortalState {
    public let sessions: any PortalSessionQueries
    public let signInFailures: any SignInFailureQueries

    public init(_ transaction: any ChannelStoreTransaction) {
        sessions = transaction.sessions
        signInFailures = transaction.signInFailures
    }
}
