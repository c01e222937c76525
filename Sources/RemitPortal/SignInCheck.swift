import Foundation
import Hummingbird
import HummingbirdAuth
import RemitCore
import RemitStore

/// The check behind every sign-in, the page's and the API's: the password against the bcrypt hash
/// in `channel_credential`, failed attempts limited per login and per address.
struct SignInCheck: Sendable {
    let dependencies: PortalDependencies
    let limiter: SignInLimiter
    /// A hash of a random password at the configured cost, checked when the login has no credential.
    let standInHash: String

    enum Outcome: Sendable {
        /// A new session for the buyer, with its own CSRF token.
        case signedIn(PortalSession, BuyerView.Buyer)
        case refused
        /// Too many failures: wait this many seconds; the sentence says so.
        case tooMany(wait: Double, text: String)
    }

    func check(login given: String, password: String, address: String, context: PortalRequestContext) async throws -> Outcome {
        let login = String(given.trimmingCharacters(in: .whitespaces).prefix(128))
        let now = dependencies.clock.now()
        if let wait = try await limiter.waitBeforeTrying(login: login, address: address, now: now) {
            let minutes = max(1, Int((wait / 60).rounded(.up)))
            context.logger.notice("sign-in refused: too many failures", metadata: ["address": "\(address)"])
            return .tooMany(wait: wait, text: "Too many failed sign-ins. Try again in \(minutes) minute\(minutes == 1 ? "" : "s").")
        }
        let (credential, buyer) = try await dependencies.channel.readChannel { channel in
            (try channel.buyerViews.credential(login: login), try channel.buyerViews.buyer(login: login))
        }
        // The same bcrypt work whether the login exists or not, so the answer's time tells nothing.
        let matches = await dependencies.passwordHasher.verify(password, against: credential?.passwordHash ?? standInHash)
        guard matches, credential != nil, let buyer, !login.isEmpty, password.utf8.count <= PasswordHasher.maximumPasswordBytes else {
            try await limiter.recordFailure(login: login, address: address, now: now)
            return .refused
        }
        try await limiter.recordSuccess(login: login)
        context.logger.info("signed in", metadata: ["user": "\(login)"])
        return .signedIn(PortalSession(login: login, csrfToken: RandomToken.make(), commands: []), buyer)
    }
}
