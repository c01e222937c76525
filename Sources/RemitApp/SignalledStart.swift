#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A SIGTERM or SIGINT that came before `SignalledStart` listened (while the process was loading).
private let signalBeforeListening = Atomic<Int32>(0)

/// Runs a process's services with SIGTERM and SIGINT handled from its first moment. Starting takes
/// a while (stores opened and migrated, the broker's objects checked, connections made); a signal
/// in that time used to end the process with the signal's default action. Now a signal before the
/// services run ends the start cleanly (nothing was taken from a queue yet: exit 0), and a signal
/// once they run shuts them down gracefully, as before: consumers drain, then the process exits.
public enum SignalledStart {
    /// Call first thing in `main` for the commands that serve (`remit worker`, `remit run`): from
    /// here on a SIGTERM or SIGINT is remembered instead of ending the process, until `run` listens.
    public static func catchSignalsEarly() {
        for number in [SIGTERM, SIGINT] {
            signal(number) { received in signalBeforeListening.store(received, ordering: .relaxed) }
        }
    }

    public static func run(logger: Logger, _ build: () async throws -> ServiceGroup) async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let stop = StopRequest()
        let watcher = Task {
            for await signal in signals { await stop.request(signal: "\(signal)") }
        }
        defer { watcher.cancel() }
        let group = try await build()
        if let signal = await stop.attach(group) {
            logger.info("stopped while starting: nothing was taken from a queue", metadata: ["signal": "\(signal)"])
            return
        }
        try await group.run()
    }

    /// A stop asked for before the group exists is remembered; afterwards it shuts the group down.
    private actor StopRequest {
        private var requested: String?
        private var group: ServiceGroup?

        func request(signal: String) async {
            if requested == nil { requested = signal }
            await group?.triggerGracefulShutdown()
        }

        /// The signal that came before the group, or nil once the group takes over.
        func attach(_ group: ServiceGroup) -> String? {
            if let requested { return requested }
            let early = signalBeforeListening.load(ordering: .relaxed)
            if early != 0 { return early == SIGINT ? "SIGINT" : "SIGTERM" }
            self.group = group
            return nil
        }
    }
}
