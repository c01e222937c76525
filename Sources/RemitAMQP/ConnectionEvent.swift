/// What the owning thread reports to its `AMQPConnection`.
enum ConnectionEvent: Sendable {
    case connected(socket: Int32)
    case blocked(String)
    case unblocked
}
