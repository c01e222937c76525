import Logging
import ServiceLifecycle

/// Runs worker kinds as one ServiceLifecycle service: on SIGTERM/SIGINT (graceful shutdown) every
/// runtime stops consuming, finishes and acks what is in flight (within its drain bound), closes,
/// and `run()` returns. A kind that cannot start (the broker refuses it for good) fails the service.
/// With a `ScaleListener`, `remit scale` changes the runtimes' consumer counts while they run.
public struct WorkerService: Service {
    let runtimes: [WorkerRuntime]
    let scaleListener: ScaleListener?

    public init(runtimes: [WorkerRuntime], scaleListener: ScaleListener? = nil) {
        self.runtimes = runtimes
        self.scaleListener = scaleListener
    }

    public func run() async throws {
        let listener = scaleListener
        async let listening: Void = listener?.run() ?? ()
        do {
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
                // The drain does not wait for the listener's consumer to be cancelled at the broker
                // (in the long fault run a SIGTERM right after a broker restart drained nothing for
                // 90 s); a scale request that still arrives is refused by a draining runtime.
                Task {
                    async let listenerStopped: Void = listener?.stop() ?? ()
                    for runtime in runtimes { await runtime.drain() }
                    await listenerStopped
                }
            }
        } catch {
            await listener?.stop()
            await listening
            throw error
        }
        await listener?.stop()
        await listening
    }
}
