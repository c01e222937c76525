import Foundation
import RemitCore

/// An HQ job as operators and the scheduler see it: its name, its run message, how to make one.
public struct HQJobDescriptor: Sendable {
    public let name: String
    public let messageType: String
    private let make: @Sendable (String, Date) throws -> OutgoingMessage

    init<Run: HQJobRun>(_ run: Run.Type) {
        name = Run.jobName
        messageType = Run.messageType
        make = { requestedBy, now in
            try OutgoingMessage(Envelope(occurredAt: now, actingUser: requestedBy, body: Run(requestedBy: requestedBy)))
        }
    }

    /// A new run message (a fresh id: every run is its own message).
    public func runMessage(requestedBy: String, at now: Date) throws -> OutgoingMessage { try make(requestedBy, now) }
}
