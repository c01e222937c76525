import Logging
import ServiceLifecycle

/// Runs worker kinds as one ServiceLifecycle service: on SIGTERM/SIGINT (graceful shutdown) every
/// runtime stops consuming, finishes and acks what is in flight, closes, and `run()` returns.
public struct WorkerService: Service {
    let runtimes: [WorkerRuntime]

    public init(runtimes: [WorkerRuntime]) { self.runtimes = runtimes }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for runtime in runtimes { group.addTask { await runtime.run() } }
            }
        } onGracefulShutdown: {
            Task { for runtime in runtimes { await runtime.drain() } }
        }
    }
}
