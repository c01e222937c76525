import Foundation
import RemitCore

/// The one check of a message against `Topology/schemas`: the envelope schema, then the schema of
/// its type and version. Producers (`remit publish`) and workers both call it, so a producer refuses
/// exactly what a worker would dead-letter.
public struct MessageValidator: Sendable {
    public let topology: Topology

    public init(topology: Topology) { self.topology = topology }

    /// Violations of a whole envelope; empty when a worker will accept it.
    public func violations(envelope: JSONValue) -> [String] {
        let problems = topology.envelopeSchema.violations(of: envelope).map { "envelope" + $0.description.dropFirst() }
        guard problems.isEmpty, let type = envelope["type"]?.stringValue, let version = envelope["version"]?.intValue,
            let body = envelope["body"]
        else { return problems }
        return violations(body: body, type: type, version: Int(version))
    }

    /// Violations of the body of `type` (version `version`, or the latest).
    public func violations(body: JSONValue, type: String, version: Int? = nil) -> [String] {
        guard let version = version ?? topology.latestVersion(of: type) else {
            let known = Set(topology.schemas.keys.map(\.type)).sorted().joined(separator: ", ")
            return ["unknown message type '\(type.prefix(80))'; known types: \(known)"]
        }
        guard let schema = topology.schemas[.init(type: type, version: version)] else {
            return ["\(type) has no schema version \(version)"]
        }
        return schema.violations(of: body).map { "body" + $0.description.dropFirst() }
    }
}
