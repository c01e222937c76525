import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages

/// `remit topology verify`: compares the broker's objects with `Topology/` through the management
/// API and lists every difference: missing objects, type, durability, arguments, bindings, and
/// what others added that changes how Remit's objects behave (bindings on its exchanges, policies).
public struct TopologyVerifier: Sendable {
    public let topology: Topology
    public let management: BrokerManagement

    public init(topology: Topology, management: BrokerManagement) {
        self.topology = topology
        self.management = management
    }

    /// The differences on the broker and vhost `connection` reached. Throws `BrokerMismatchError`
    /// when the management API speaks for another broker: its answers would vouch for objects
    /// Remit never uses (the default management URL is `http://<amqp host>:15672`, whatever the
    /// AMQP port).
    public func differences(on connection: AMQPConnection) async throws -> [String] {
        let overview = try await management.overview()
        if let mismatch = Self.brokerMismatch(
            serverProperties: connection.serverProperties, overview: overview,
            amqpPort: connection.configuration.port, tls: connection.configuration.tls != nil)
        {
            throw BrokerMismatchError(
                amqp: "\(connection.configuration)", management: management.baseURL.absoluteString,
                detail: mismatch)
        }
        return try await differences(vhost: connection.configuration.vhost)
    }

    /// Why the AMQP connection (its connection.start `serverProperties`) and the management API
    /// (its `/api/overview`) are not the same broker, or nil when they are.
    /// `tls`: the connection is `amqps://`, so the port is the broker's `amqp/ssl` listener's.
    static func brokerMismatch(serverProperties: AMQPTable, overview: JSONValue, amqpPort: Int, tls: Bool = false) -> String? {
        guard let amqpCluster = serverProperties["cluster_name"]?.stringValue else {
            return "the AMQP broker does not name its cluster"
        }
        guard let managementCluster = overview["cluster_name"]?.stringValue else {
            return "the management API does not name its cluster"
        }
        guard amqpCluster == managementCluster else {
            return "AMQP reached cluster '\(amqpCluster)', the management API is of cluster '\(managementCluster)'"
        }
        // A user with only the `management` tag is not shown the listeners: the cluster name is all
        // there is to compare then.
        guard let listeners = overview["listeners"]?.arrayValue, !listeners.isEmpty else { return nil }
        let listenerProtocol = tls ? "amqp/ssl" : "amqp"
        let amqpListenerPorts =
            listeners
            .filter { $0["protocol"]?.stringValue == listenerProtocol }
            .compactMap { $0["port"]?.intValue }
        guard amqpListenerPorts.contains(Int64(amqpPort)) else {
            let ports = amqpListenerPorts.map(String.init).joined(separator: ", ")
            return
                "cluster '\(managementCluster)' listens for \(tls ? "AMQP over TLS" : "AMQP") on \(ports.isEmpty ? "no port" : "port \(ports)"), not on \(amqpPort)"
        }
        return nil
    }

    func differences(vhost: String) async throws -> [String] {
        var differences: [String] = []
        for expected in topology.definitions.exchanges {
            guard let actual = try await management.exchange(vhost: vhost, name: expected.name) else {
                differences.append("exchange '\(expected.name)' is missing"); continue
            }
            if actual["type"]?.stringValue != expected.type {
                differences.append("exchange '\(expected.name)': type is \(actual["type"]?.description ?? "?"), expected \(expected.type)")
            }
            if actual["durable"]?.boolValue != expected.durable {
                differences.append(
                    "exchange '\(expected.name)': durable is \(actual["durable"]?.description ?? "?"), expected \(expected.durable)")
            }
            differences += Self.compare(
                arguments: actual["arguments"]?.objectValue ?? [:], expected: expected.arguments,
                object: "exchange '\(expected.name)'")
        }
        for expected in topology.definitions.queues {
            guard let actual = try await management.queue(vhost: vhost, name: expected.name) else {
                differences.append("queue '\(expected.name)' is missing"); continue
            }
            if actual["durable"]?.boolValue != expected.durable {
                differences.append(
                    "queue '\(expected.name)': durable is \(actual["durable"]?.description ?? "?"), expected \(expected.durable)")
            }
            let expectedType = expected.arguments["x-queue-type"]?.stringValue ?? "classic"
            if let type = actual["type"]?.stringValue, type != expectedType {
                differences.append("queue '\(expected.name)': type is \(type), expected \(expectedType)")
            }
            differences += Self.compare(
                arguments: actual["arguments"]?.objectValue ?? [:], expected: expected.arguments,
                object: "queue '\(expected.name)'")
        }
        let actualBindings = try await management.bindings(vhost: vhost)
        for expected in topology.definitions.bindings {
            let present = actualBindings.contains { binding in
                binding["source"]?.stringValue == expected.source
                    && binding["destination"]?.stringValue == expected.destination
                    && binding["destination_type"]?.stringValue == expected.destinationType
                    && binding["routing_key"]?.stringValue == expected.routingKey
            }
            if !present {
                differences.append("binding '\(expected.source)' --[\(expected.routingKey)]--> '\(expected.destination)' is missing")
            }
        }
        differences += extraBindings(actualBindings)
        differences += try await policiesApplying(vhost: vhost)
        return differences
    }

    /// Bindings on Remit's exchanges that Topology/ does not declare, and the objects they lead to
    /// that are not Remit's. A stray `#` binding makes every mandatory publish look routable.
    func extraBindings(_ actualBindings: [JSONValue]) -> [String] {
        let exchanges = Set(topology.definitions.exchanges.map(\.name))
        let declared = Set(topology.definitions.bindings.map { [$0.source, $0.destinationType, $0.destination, $0.routingKey] })
        let objects = Set(topology.definitions.queues.map { ["queue", $0.name] })
            .union(topology.definitions.exchanges.map { ["exchange", $0.name] })
        var differences: [String] = []
        var strangers: [String: Set<String>] = [:]  // "queue 'x'" → the Remit exchanges it is bound to
        for binding in actualBindings {
            guard let source = binding["source"]?.stringValue, exchanges.contains(source),
                let type = binding["destination_type"]?.stringValue,
                let destination = binding["destination"]?.stringValue
            else { continue }
            let routingKey = binding["routing_key"]?.stringValue ?? ""
            guard !declared.contains([source, type, destination, routingKey]) else { continue }
            // Every running worker process binds a queue of its own there for `remit scale`.
            if source == ScaleControl.exchange, type == "queue", destination.hasPrefix(ScaleControl.queuePrefix) { continue }
            differences.append("binding '\(source)' --[\(routingKey)]--> \(type) '\(destination)' is not in Topology/")
            if !objects.contains([type, destination]) {
                strangers["\(type) '\(destination)'", default: []].insert("'\(source)'")
            }
        }
        for (object, sources) in strangers.sorted(by: { $0.key < $1.key }) {
            differences.append("\(object) is bound to exchange \(sources.sorted().joined(separator: ", ")) but is not in Topology/")
        }
        return differences
    }

    /// Policies and operator policies whose pattern takes in Remit's queues or exchanges: they
    /// override what Topology/ declares (a `max-length` drops or refuses messages Remit counts on).
    func policiesApplying(vhost: String) async throws -> [String] {
        let declaredNames = Set((topology.definitions.policies ?? []).compactMap { $0["name"]?.stringValue })
        let policies = try await management.policies(vhost: vhost).filter {
            !declaredNames.contains($0["name"]?.stringValue ?? "")
        }
        let operatorPolicies = try await management.operatorPolicies(vhost: vhost)
        return policies.compactMap { describe(policy: $0, kind: "policy") }
            + operatorPolicies.compactMap { describe(policy: $0, kind: "operator policy") }
    }

    /// One line naming the policy, what it sets and which of Remit's objects it applies to; nil when none.
    func describe(policy: JSONValue, kind: String) -> String? {
        let name = policy["name"]?.stringValue ?? "?"
        let pattern = policy["pattern"]?.stringValue ?? ""
        let applyTo = policy["apply-to"]?.stringValue ?? "all"
        let keys = (policy["definition"]?.objectValue ?? [:]).keys.sorted().joined(separator: ", ")
        guard let regex = try? NSRegularExpression(pattern: pattern) else {
            return "\(kind) '\(name)' sets \(keys) with pattern '\(pattern)', which Remit cannot evaluate; check it by hand"
        }
        func matches(_ name: String) -> Bool {
            regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        let queueType: (QueueDefinition) -> String = { $0.arguments["x-queue-type"]?.stringValue ?? "classic" }
        let queues = topology.definitions.queues.filter { queue in
            switch applyTo {
            case "queues", "all": return true
            case "classic_queues": return queueType(queue) == "classic"
            case "quorum_queues": return queueType(queue) == "quorum"
            case "streams": return queueType(queue) == "stream"
            default: return false
            }
        }.map(\.name).filter(matches)
        let exchanges =
            ["exchanges", "all"].contains(applyTo)
            ? topology.definitions.exchanges.map(\.name).filter(matches) : []
        guard !queues.isEmpty || !exchanges.isEmpty else { return nil }
        var objects: [String] = []
        if !queues.isEmpty { objects.append("queue\(queues.count == 1 ? "" : "s") \(Self.list(queues))") }
        if !exchanges.isEmpty { objects.append("exchange\(exchanges.count == 1 ? "" : "s") \(Self.list(exchanges))") }
        return "\(kind) '\(name)' (pattern '\(pattern)', apply-to \(applyTo)) sets \(keys) on "
            + objects.joined(separator: " and ")
    }

    /// A few quoted names, then how many more: a policy on `^remit\.` takes in dozens of queues.
    static func list(_ names: [String], showing limit: Int = 3) -> String {
        let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > limit ? "\(shown) and \(names.count - limit) more" : shown
    }

    static func compare(arguments actual: [String: JSONValue], expected: [String: JSONValue], object: String) -> [String] {
        var differences: [String] = []
        for key in Set(actual.keys).union(expected.keys).sorted() {
            switch (actual[key], expected[key]) {
            case (nil, let wanted?):
                differences.append("\(object): argument \(key) is not set, expected \(wanted)")
            case (let found?, nil):
                differences.append("\(object): argument \(key) is \(found), expected it unset")
            case (let found?, let wanted?) where !equivalent(found, wanted):
                differences.append("\(object): argument \(key) is \(found), expected \(wanted)")
            default:
                break
            }
        }
        return differences
    }

    private static func equivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .number(let y)), (.number(let y), .integer(let x)): return Double(x) == y
        default: return a == b
        }
    }
}
