import Foundation
import PostgresNIO
import RemitStore
import Synchronization

/// A connection of the client's pool leased to a blocking thread for one transaction. The pool lends
/// connections only inside `withConnection`'s async closure, so a task holds that closure open —
/// suspended, not blocking the cooperative pool — from the moment it hands the connection over
/// until the blocking side releases it. The task runs on `PostgresLeaseExecutor`, never on the
/// cooperative pool the blocking caller may be holding a thread of.
final class PostgresConnectionLease: Sendable {
    private enum State {
        case waiting
        case holding(PostgresConnection, CheckedContinuation<Void, Never>)
        case failed(any Error)
        /// The blocking side stopped waiting (timed out) or released: a late connection goes back.
        case done
    }

    private let state = Mutex<State>(.waiting)
    private let handedOver = DispatchSemaphore(value: 0)

    private init() {}

    /// Blocks the calling thread until the pool lends a connection (or `timeout` passes: the store
    /// is then unavailable, like a database that cannot be opened).
    static func lease(from client: PostgresClient, store: String, timeout: Duration) throws -> (PostgresConnection, PostgresConnectionLease)
    {
        let lease = PostgresConnectionLease()
        let task = Task(executorPreference: PostgresLeaseExecutor.shared) { await lease.hold(client) }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        _ = lease.handedOver.wait(timeout: .now() + seconds)
        let outcome: Result<PostgresConnection, any Error>? = lease.state.withLock { state in
            switch state {
            case .holding(let connection, _): return .success(connection)
            case .failed(let error):
                state = .done
                return .failure(error)
            case .waiting, .done:
                state = .done
                return nil
            }
        }
        switch outcome {
        case .success(let connection): return (connection, lease)
        case .failure(let error):
            throw PostgresFailure.failure(error, store: store) ?? StoreFailure(.unavailable, store: store, detail: "\(error)")
        case nil:
            task.cancel()
            throw StoreFailure(.unavailable, store: store, detail: "no PostgreSQL connection within \(timeout)")
        }
    }

    /// Gives the connection back to the pool.
    func release() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            defer { state = .done }
            if case .holding(_, let continuation) = state { return continuation }
            return nil
        }
        continuation?.resume()
    }

    private func hold(_ client: PostgresClient) async {
        do {
            try await client.withConnection { connection in
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let kept = state.withLock { state -> Bool in
                        switch state {
                        case .waiting:
                            state = .holding(connection, continuation)
                            return true
                        default: return false
                        }
                    }
                    handedOver.signal()
                    if !kept { continuation.resume() }
                }
            }
        } catch {
            state.withLock { state in
                if case .waiting = state { state = .failed(error) }
            }
            handedOver.signal()
        }
    }
}
