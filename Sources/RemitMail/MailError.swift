/// What the mail module refuses before anything is sent. A delivery that fails is not an error
/// but a `MailDelivery` (rejected or deferred), so senders decide about retries in one place.
public enum MailError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Why an address is not a plausible single address (never more than 80 characters of it).
    case invalidAddress(String)
    /// Why an SMTP URL is unusable; it never quotes the URL, so never its password.
    case invalidConfiguration(String)
    /// A template is missing or does not compile.
    case template(String)

    public var description: String {
        switch self {
        case .invalidAddress(let reason): return "invalid mail address: \(reason)"
        case .invalidConfiguration(let reason): return "invalid SMTP configuration: \(reason)"
        case .template(let reason): return "mail template: \(reason)"
        }
    }
}
