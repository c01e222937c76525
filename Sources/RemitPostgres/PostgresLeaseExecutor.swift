import PostgresNIO

/// Runs the tasks that lease connections for blocking threads, and the client's pool that serves
/// them, on an event loop rather than on Swift's cooperative pool. A blocking caller may itself be a thread of that pool (a synchronous
/// test, a command): with every pool thread waiting for a lease, a lease task queued behind them
/// (or the pool's own work) would never run. The tasks only await (never block), so an event loop carries them well.
final class PostgresLeaseExecutor: TaskExecutor {
    static let shared = PostgresLeaseExecutor(eventLoop: PostgresClient.defaultEventLoopGroup.next())

    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
