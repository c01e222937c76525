import ArgumentParser
import Foundation
import RemitCore
import RemitMessages
import RemitHQ
import RemitOperations

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
