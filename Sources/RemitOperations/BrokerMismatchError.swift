import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages

/// The management API and the AMQP URL reach different brokers (or the AMQP side reaches none
/// that says who it is), so the management API's answers say nothing about Remit's broker.
public struct BrokerMismatchError: Error, Sendable, CustomStringConvertible {
    /// The AMQP broker, without its password.
    public var amqp: String
    public var management: String
    public var detail: String

    public var description: String {
        "cannot verify \(amqp) through the management API \(management): \(detail); "
            + "give --management-url of the broker behind the AMQP URL"
    }
}
