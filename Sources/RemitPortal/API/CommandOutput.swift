import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIRuntime
import RemitCore
import RemitMessages
import RemitStore

/// A generated operation output with every answer a command can have; its enum cases are the
/// witnesses, so one `BuyerAPI.answer` serves each such operation.
protocol CommandOutput {
    static func accepted(_ response: Components.Responses.CommandSent) -> Self
    static func badRequest(_ response: Components.Responses.BadRequest) -> Self
    static func notFound(_ response: Components.Responses.NotFound) -> Self
    static func conflict(_ response: Components.Responses.Refused) -> Self
    static func serviceUnavailable(_ response: Components.Responses.Unavailable) -> Self
}
