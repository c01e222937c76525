import Foundation
import RemitAMQP
import RemitClient
import RemitMessages

/// Broker users for systems outside Remit (an ERP, a help desk) that send the public commands
/// (`publicCommands` in `Topology/workers.json`): `remit producers add|list|remove`. A producer's
/// user may publish those commands on Remit's exchange and nothing else anywhere (topic
/// permissions; no write on the default exchange, so never into a queue of Remit's), and may
/// declare, read and delete only its own reply queues: `producer.NAME` and `producer.NAME.*`,
/// server-named ones (`amq.gen-…`, exclusive to the connection that declared them) and direct
/// reply-to. It has no management API access. The password is made here, returned once, and kept
/// only by the broker (as its hash).
public struct ProducerUsers: Sendable {
    /// A producer's broker user is this followed by its name.
    public static let userPrefix = "remit-producer-"

    public struct Producer: Sendable, Codable, Equatable {
        public var name: String
        public var user: String
        /// Reply queues it may declare: this name, or it followed by a dot and more.
        public var replyQueuePrefix: String
    }

    public struct Added: Sendable {
        public var producer: Producer
        /// The AMQP URL with the password: shown once, never logged.
        public var url: String
    }

    /// A producer's name that cannot be one, a producer that exists already or not at all.
    public struct ProducerError: Error, Sendable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    let management: BrokerManagement
    let amqp: AMQPConfiguration
    let topology: Topology

    /// Users on `amqp`'s vhost, managed through `management` (whose user needs the administrator
    /// tag); URLs name `amqp`'s host and port.
    public init(management: BrokerManagement, amqp: AMQPConfiguration, topology: Topology) {
        self.management = management
        self.amqp = amqp
        self.topology = topology
    }

    /// `name` as a producer's name: 1…40 lowercase letters, digits and dashes, not starting with a dash.
    public static func checked(name: String) throws -> String {
        let valid =
            (1...40).contains(name.count) && name.first != "-"
            && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
        guard valid else {
            throw ProducerError(
                "a producer's name is 1…40 lowercase letters, digits and dashes, not starting with a dash: '\(name.prefix(60))'")
        }
        return name
    }

    public static func producer(named name: String) -> Producer {
        Producer(name: name, user: userPrefix + name, replyQueuePrefix: "producer.\(name)")
    }

    /// The broker's permissions for producer `name`: configure, write and read on names, and the
    /// routing keys it may publish on Remit's exchange.
    public static func permissions(for name: String, topology: Topology) -> (configure: String, write: String, read: String, topic: String)
    {
        let own = "^(producer\\.\(name)(\\..*)?|amq\\.gen-.*)$"
        let commands = (topology.workers.publicCommands ?? []).map(escaped).joined(separator: "|")
        return (own, "^\(escaped(topology.workers.exchange))$", own, commands.isEmpty ? "^$" : "^(\(commands))$")
    }

    /// Creates the broker user of producer `name` with its permissions; refuses a name whose user
    /// exists already (on any vhost: users are the broker's).
    public func add(_ name: String) async throws -> Added {
        let producer = Self.producer(named: try Self.checked(name: name))
        if try await management.user(producer.user) != nil {
            throw ProducerError("producer \(name) exists already (broker user \(producer.user)); remove it first to make a new password")
        }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &random) }
        let password = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let permissions = Self.permissions(for: name, topology: topology)
        do {
            try await management.putUser(producer.user, password: password)
            try await management.setPermissions(
                vhost: amqp.vhost, user: producer.user, configure: permissions.configure, write: permissions.write,
                read: permissions.read)
            try await management.setTopicPermissions(
                vhost: amqp.vhost, user: producer.user, exchange: topology.workers.exchange, write: permissions.topic, read: "^$")
        } catch {
            // Half made is not made: a user without its limits must not stay.
            try? await management.deleteUser(producer.user)
            throw error
        }
        var url = URLComponents()
        url.scheme = amqp.tls == nil ? "amqp" : "amqps"
        url.host = amqp.host
        url.port = amqp.port
        url.percentEncodedUser = BrokerManagement.encode(producer.user)
        url.percentEncodedPassword = BrokerManagement.encode(password)
        url.percentEncodedPath = "/" + BrokerManagement.encode(amqp.vhost)
        return Added(producer: producer, url: url.string ?? "")
    }

    /// The producers with a user on this vhost, by name.
    public func list() async throws -> [Producer] {
        try await management.permissions(vhost: amqp.vhost)
            .compactMap { $0["user"]?.stringValue }
            .filter { $0.hasPrefix(Self.userPrefix) }
            .map { Self.producer(named: String($0.dropFirst(Self.userPrefix.count))) }
            .sorted { $0.name < $1.name }
    }

    /// Deletes producer `name`'s broker user (its open connections are closed by the broker).
    public func remove(_ name: String) async throws {
        let producer = Self.producer(named: try Self.checked(name: name))
        guard try await list().contains(producer) else {
            throw ProducerError("no producer \(name) on vhost \(amqp.vhost) (remit producers list shows them)")
        }
        try await management.deleteUser(producer.user)
    }

    private static func escaped(_ literal: String) -> String {
        String(literal.flatMap { "\\^$.|?*+()[]{}".contains($0) ? ["\\", $0] : [$0] })
    }
}
