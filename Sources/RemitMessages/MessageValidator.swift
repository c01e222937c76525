import Foundation
import RemitCore

/// The one check of a message against `Topology/schemas`: the envelope schema, then the schema of
/// its type and version. Producers (`remit publish`) and workers both call it, so a producer refuses
/// exactly what a worker would dead-letter.
public struct MessageValidator: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// Violations of a whole envelope; empty when a worker will accept it.
    public func violations(envelope: JSONValue) -> [String] { violations(envelope: JSONTape(envelope)) }

    /// Violations of a whole envelope read into a tape; empty when a worker will accept it.
    public func violations(envelope tape: JSONTape) -> [String] {
        let root = JSONTape.root
        let problems = topology.envelopeSchema.violations(of: tape, at: root).map { "envelope" + $0.description.dropFirst() }
        guard problems.isEmpty, let typeNode = tape.member(root, "type"), tape.kind(typeNode) == .string,
            let version = tape.member(root, "version").flatMap(tape.integer), let body = tape.member(root, "body")
        else { return problems }
        return violations(body: tape, at: body, type: tape.string(typeNode), version: Int(version))
    }

    /// Violations of the body of `type` (version `version`, or the latest).
    public func violations(body: JSONValue, type: String, version: Int? = nil) -> [String] {
        violations(body: JSONTape(body), at: JSONTape.root, type: type, version: version)
    }

    /// Violations of node `node` of `tape` as the body of `type` (version `version`, or the latest).
    public func violations(body tape: JSONTape, at node: Int, type: String, version: Int? = nil) -> [String] {
        guard let version = version ?? topology.latestVersion(of: type) else {
            let known = Set(topology.schemas.keys.map(\.type)).sorted().joined(separator: ", ")
            return ["unknown message type '\(type.prefix(80))'; known types: \(known)"]
        }
        guard let schema = topology.schemas[.init(type: type, version: version)] else {
            return ["\(type) has no schema version \(version)"]
        }
        return schema.violations(of: tape, at: node).map { "body" + $0.description.dropFirst() }
    }
}
