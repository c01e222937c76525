import RemitClient

extension RemitConfiguration {
    /// The RabbitMQ management API client: `management-url` when set, else derived from `amqp-url`.
    public func management() throws -> BrokerManagement {
        try BrokerManagement(amqp: amqp(), explicit: self[.managementURL])
    }
}
