/// What a passive queue declaration reports.
public struct QueueState: Sendable, Equatable {
    public var name: String
    public var messageCount: Int
    public var consumerCount: Int
}
