import Foundation
import RemitCore

/// RabbitMQ's definitions format (what `rabbitmqctl export_definitions` writes).
public struct BrokerDefinitions: Sendable, Codable {
    public var rabbitVersion: String?
    public var vhosts: [VhostDefinition]?
    public var exchanges: [ExchangeDefinition]
    public var queues: [QueueDefinition]
    public var bindings: [BindingDefinition]
    public var policies: [JSONValue]?
    public var permissions: [PermissionDefinition]?

    enum CodingKeys: String, CodingKey {
        case rabbitVersion = "rabbit_version", vhosts, exchanges, queues, bindings, policies, permissions
    }

    /// The same definitions for another vhost, with that vhost listed so an import creates it and
    /// `user` given every permission on it: a vhost nobody may use is of no use to Remit.
    public func forVhost(_ vhost: String, user: String) -> BrokerDefinitions {
        var copy = self
        copy.vhosts = [VhostDefinition(name: vhost)]
        copy.permissions = [PermissionDefinition(user: user, vhost: vhost, configure: ".*", write: ".*", read: ".*")]
        for index in copy.exchanges.indices { copy.exchanges[index].vhost = vhost }
        for index in copy.queues.indices { copy.queues[index].vhost = vhost }
        for index in copy.bindings.indices { copy.bindings[index].vhost = vhost }
        return copy
    }
}
