import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitApp
import RemitClient
import RemitCore
import RemitMessages
import ServiceLifecycle
import Synchronization

/// swift-log may be bootstrapped once per process; commands resolve their options more than once.
enum LoggingSetup {
    private static let done = Mutex(false)

    static func bootstrapOnce(level: Logger.Level) {
        let first = done.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        // A line logged in a span (a portal request's) carries its trace_id and span_id; a worker's
        // message lines carry their message's (`HandlerContext.logger`).
        LoggingSystem.bootstrap(
            { label, provider in
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            }, metadataProvider: TracingSetup.loggingMetadataProvider)
    }
}
