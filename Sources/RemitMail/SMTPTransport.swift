import Logging
import RemitCore

/// Sends each message in its own SMTP session through libcurl. Sessions run one at a time in the
/// transport's lane of `BlockingPool` (libcurl blocks; mail is not a high-volume path, and one
/// session at a time bounds what a slow server can tie up), each bounded by the configured timeout.
public struct SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    private let logger: Logger
    private let lane = BlockingLane()

    public init(configuration: SMTPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func send(_ message: MailMessage) async -> MailDelivery {
        let configuration = configuration
        var logger = logger
        logger[metadataKey: "message_id"] = "\(message.messageId)"
        logger[metadataKey: "smtp_server"] = "\(configuration)"
        logger.debug("sending mail")
        let delivery = await lane.run { CurlSMTPSession.deliver(message, configuration: configuration) }
        switch delivery {
        case .accepted(let reply): logger.info("mail accepted", metadata: ["reply": "\(reply)"])
        case .rejected(let code, let reply): logger.info("mail rejected", metadata: ["code": "\(code)", "reply": "\(reply)"])
        case .deferred(let reason): logger.info("mail deferred", metadata: ["reason": "\(reason)"])
        case .unavailable(let reason): logger.info("mail server unavailable", metadata: ["reason": "\(reason)"])
        }
        return delivery
    }
}
