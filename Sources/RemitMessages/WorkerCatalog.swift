import Foundation
import RemitCore

/// `Topology/workers.json`: the worker kinds and where they consume.
public struct WorkerCatalog: Sendable, Codable {
    /// The exchange producers and workers publish messages to; the routing key is the message type.
    public var exchange: String
    /// Where messages go that a worker gives up on.
    public var deadLetterExchange: String
    public var kinds: [WorkerKindSpec]
    /// The commands systems outside Remit may send on the exchange (`remit producers add` gives
    /// each producer a broker user that may publish these and nothing else there). Absent: none.
    public var publicCommands: [String]?
}
