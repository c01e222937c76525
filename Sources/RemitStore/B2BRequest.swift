import Foundation
import RemitCore

/// A B2B request (an invoice copy by e-mail) as the channel tracks it under My account → B2B
/// requests (`b2b_request`).
public struct B2BRequest: Sendable, Equatable, Codable {
    /// submitted (recorded) → uploaded (P-0001 took it to HQ) → processing (HQ's sync job handed
    /// the e-mail on) → completed (the mail server accepted it) or failed (with the reason).
    public enum Status: String, Sendable, Codable, CaseIterable {
        case submitted, uploaded, processing, completed, failed

        /// How far along the lifecycle; completed and failed are both the end.
        public var rank: Int {
            switch self {
            case .submitted: return 0
            case .uploaded: return 1
            case .processing: return 2
            case .completed, .failed: return 3
            }
        }
    }

    public var requestId: String
    public var type: String
    public var userLogin: String
    public var customerAccount: String
    public var invoiceNumber: String?
    public var status: Status
    public var submittedAt: Date

    public init(
        requestId: String, type: String = "invoice-copy", userLogin: String, customerAccount: String,
        invoiceNumber: String?, status: Status = .submitted, submittedAt: Date
    ) {
        self.requestId = requestId
        self.type = type
        self.userLogin = userLogin
        self.customerAccount = customerAccount
        self.invoiceNumber = invoiceNumber
        self.status = status
        self.submittedAt = submittedAt
    }
}
