import ArgumentParser
import Foundation
import RemitCore
import RemitMessages
import RemitHQ
import RemitSQLite
import RemitStore

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
                let credentials = UserCredentials(
                    hq: try HQStore(dataDirectory: configuration.dataDirectory),
                    channel: try ChannelStore(dataDirectory: configuration.dataDirectory),
                    hasher: try configuration.passwordHasher(), clock: SystemWallClock())
                // Before the prompt, so nobody types a password for a user that does not exist.
                try await credentials.requireKnownUser(user)
                try await credentials.setPassword(try PasswordInput.read(for: user), for: user)
                print("password set for \(user)")
            }
        }
    }
}

/// Reads a password: from the terminal with echo off, or one line from piped standard input.
enum PasswordInput {
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    static func read(for user: String) throws -> String {
        guard isatty(STDIN_FILENO) != 0 else { return readLine(strippingNewline: true) ?? "" }
        let password = try promptWithoutEcho("New password for \(user): ")
        // A typo nobody could see would lock the user out: ask again.
        guard try promptWithoutEcho("Repeat it: ") == password else {
            throw Refusal(description: "the two passwords differ; nothing changed")
        }
        return password
    }

    private static func promptWithoutEcho(_ prompt: String) throws -> String {
        var saved = termios()
        var silent = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw Refusal(description: "cannot turn off the terminal's echo; pipe the password on standard input instead")
        }
        silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        FileHandle.standardError.write(Data(prompt.utf8))
        _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            // The user's Enter was not echoed either.
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
