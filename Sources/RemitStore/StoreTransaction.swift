/// One transaction on a store a worker kind applies messages to. Valid only inside the `write` or
/// `read` call that hands it out; each store's transaction (`ChannelStoreTransaction`, …) adds the
/// queries of the parts that use it.
public protocol StoreTransaction {
    var inbox: any MessageInbox { get }

    /// Runs `body` so that, when it throws, nothing it wrote is kept and the error is rethrown; when
    /// it returns, its writes join the transaction (which may still roll back as a whole). The
    /// runtime runs each message of a failed batch in one, so one message's failure leaves no trace.
    func savepoint<T>(_ body: () throws -> T) throws -> T
}
