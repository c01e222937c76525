import ArgumentParser
import Foundation
import RemitCore
import RemitMessages
import RemitHQ
import RemitOperations

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "B2B users' sign-in credentials, kept in the channel store (channel.sqlite).",
        subcommands: [SetPassword.self]
    )

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-password",
            abstract: "Set a B2B user's password (stored as a bcrypt hash).",
            discussion: """
                On a terminal the password is prompted for twice without echo; otherwise the first line of \
                standard input is the password. It is never printed.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The user's login, e.g. user00001")
        var user: String

        func run() async throws {
            try await reportingErrors {
                let configuration = try global.resolve()
                let credentials = try HQDesk(configuration).credentials(
                    hasher: try configuration.passwordHasher())
                // Before the prompt, so nobody types a password for a user that does not exist.
                try await credentials.requireKnownUser(user)
                try await credentials.setPassword(try PasswordInput.read(for: user), for: user)
                print("password set for \(user)")
            }
        }
    }
}
