import Foundation
import Hummingbird
import Mustache

/// What the layout shows around every page: the title and, when signed in, the user and the
/// sign-out form.
struct Chrome {
    let title: String
    let userName: String?
    let csrf: String?

    static func signedOut(_ title: String) -> Chrome { Chrome(title: title, userName: nil, csrf: nil) }

    static func of(_ context: PortalRequestContext, title: String) -> Chrome {
        Chrome(title: title, userName: context.identity?.user.displayName, csrf: context.sessions.session?.csrfToken)
    }
}
