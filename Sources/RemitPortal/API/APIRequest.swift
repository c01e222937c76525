import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIRuntime
import RemitCore
import RemitMessages
import RemitStore

/// The request being answered, for the API's handlers: the generated server code hands them only
/// the operation's input, so `BuyerAPI.middleware` keeps the request's context here.
enum APIRequest {
    @TaskLocal static var context: PortalRequestContext?
    /// The client's address as the sign-in limit counts it (see `PortalSettings.trustedProxies`).
    @TaskLocal static var clientAddress: String = "unknown"
}
