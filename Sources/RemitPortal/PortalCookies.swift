import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import Logging
import OpenAPIHummingbird
import RemitClient
import RemitCore
import RemitStore
import ServiceLifecycle

/// The portal's cookie names.
enum PortalCookies {
    static let session = "remit_session"
    /// The sign-in form's CSRF token, before there is a session to keep it in.
    static let signIn = "remit_sign_in"
}
