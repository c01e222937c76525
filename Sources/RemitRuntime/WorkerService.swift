import Logging
import ServiceLifecycle

/// Runs worker kinds as one ServiceLifecycle service: on SIGTERM/SIGINT (graceful shutdown) every
/// runtime stops consuming, finishes and acks what is in flight (within its drain bound), closes,
/// and `run()` returns. A kind that cannot start (the broker refuses it for good) fails the service.
public struct WorkerService: Service {
    let runtimes: [WorkerRuntime]

    public init(runtimes: [WorkerRuntime]) { self.runtimes = runtimes }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for runtime in runtimes { group.addTask { try await runtime.run() } }
                do {
                    try await group.waitForAll()
                } catch {
                    // One kind cannot start: stop the others too, so the process exits with the error.
                    for runtime in runtimes { await runtime.drain() }
                    throw error
                }
            }
        } onGracefulShutdown: {
            Task { for runtime in runtimes { await runtime.drain() } }
        }
    }
}
