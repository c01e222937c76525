import Foundation
import RemitClient
import RemitMessages

extension PipelineStatus {
    /// One host's share of the pipeline: its worker processes (those `remit scale` reaches) and the
    /// consumers its processes run per kind. A host is what `host-name` names (default: the machine).
    public struct Host: Sendable, Codable, Equatable {
        public var name: String
        public var processes: Int
        /// Consumers per kind on this host, as the broker counts them (kinds without one left out).
        public var consumers: [String: Int]

        public init(name: String, processes: Int, consumers: [String: Int]) {
            self.name = name
            self.processes = processes
            self.consumers = consumers
        }
    }

    /// Consumers whose tag is not one of Remit's (another client on a work queue) are counted under this name.
    public static let unnamedHost = "(not remit)"

    /// Groups the management API's control queues (`remit.control.<host>.<pid>`, one per listening
    /// process) and consumers (tagged `remit-<kind>-<host>-<pid>-<n>`) by host, sorted by name.
    static func hosts(queues: [JSONValue], consumers: [JSONValue], topology: Topology) -> [Host] {
        var byName: [String: Host] = [:]
        func host(_ name: String) -> Host { byName[name] ?? Host(name: name, processes: 0, consumers: [:]) }
        for queue in queues {
            guard let name = queue["name"]?.stringValue, let hostName = ProcessHost.host(ofControlQueue: name),
                (queue["consumers"]?.intValue ?? 0) > 0
            else { continue }
            var entry = host(hostName)
            entry.processes += 1
            byName[hostName] = entry
        }
        let kindsByQueue = Dictionary(topology.workers.kinds.map { ($0.queue, $0.name) }, uniquingKeysWith: { first, _ in first })
        for consumer in consumers {
            guard let queue = consumer["queue"]?["name"]?.stringValue, let kind = kindsByQueue[queue] else { continue }
            let tag = consumer["consumer_tag"]?.stringValue ?? ""
            let hostName = ProcessHost.host(ofConsumerTag: tag, kind: kind) ?? unnamedHost
            var entry = host(hostName)
            entry.consumers[kind, default: 0] += 1
            byName[hostName] = entry
        }
        return byName.values.sorted { $0.name < $1.name }
    }

    /// The hosts as table lines: per host its processes and its consumers per kind.
    func hostLines() -> [String] {
        guard !hosts.isEmpty else { return ["hosts: none runs a worker"] }
        let width = hosts.map(\.name.count).max() ?? 0
        var lines = ["hosts:"]
        for host in hosts {
            let processes = "\(host.processes) process\(host.processes == 1 ? "" : "es")"
            let kinds = host.consumers.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(
                "  " + host.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + processes.padding(toLength: 12, withPad: " ", startingAt: 0) + (kinds.isEmpty ? "no consumers" : kinds))
        }
        return lines
    }
}
