import ArgumentParser
import Foundation
import RemitCore
import RemitOperations
import RemitStore

extension HQCommand {
    /// `remit hq collection …`: the collection policies (HQ settings) and the letters sent.
    struct Collection: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Collection letters: the policies (levels by due date, the cash-discount notice), each account's policy, the letters sent.",
            discussion: """
                Every customer account starts with the policy 'standard'; 'none' sends it no letters. The job \
                'Collection letters' (remit hq run-job "Collection letters") sends them.
                """,
            subcommands: [Policies.self, Assign.self, SetLevel.self, RemoveLevel.self, Letters.self])

        struct Policies: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the policies with their levels and how many accounts have each.")
            @OptionGroup var global: GlobalOptions

            func run() async throws {
                try await reportingErrors {
                    for (policy, accounts) in try await HQDesk(try global.resolve()).collectionPolicies() {
                        print(
                            "\(policy.code)  (\(accounts) account\(accounts == 1 ? "" : "s"))\(policy.levels.isEmpty ? "  no letters" : "")"
                        )
                        for level in policy.levels {
                            let when =
                                level.days == 0
                                ? "on the \(level.anchor == .due ? "due date" : "discount's last day")"
                                : "\(abs(level.days)) day\(abs(level.days) == 1 ? "" : "s") \(level.days < 0 ? "before" : "after") the \(level.anchor == .due ? "due date" : "discount's last day")"
                            print("  level \(level.level)  \(level.title)  — \(when)")
                        }
                    }
                }
            }
        }

        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Give a customer account a policy ('none' opts it out).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The customer account") var account: String
            @Argument(help: "The policy's code") var policy: String

            func run() async throws {
                try await reportingErrors {
                    try await HQDesk(try global.resolve()).setCollectionPolicy(account: account, code: policy)
                    print("\(account) now has the collection policy '\(policy)'")
                }
            }
        }

        struct SetLevel: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-level", abstract: "Add or change a level of a policy (a new code makes a new policy).")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The policy's code") var policy: String
            @Argument(help: "The level, 0…9") var level: Int
            @Option(help: "What the letter is called, e.g. 'First reminder'") var title: String
            @Option(help: "due (days from the due date) or discount (days from the cash discount's last day, ≤ 0)")
            var anchor: String = "due"
            @Option(
                parsing: .unconditional, help: "Days from the anchor, -365…365 (negative: before, as --days -3)",
                transform: { text in
                    guard let days = Int(text) else { throw ValidationError("--days must be a whole number, like 7 or -3") }
                    return days
                })
            var days: Int

            func run() async throws {
                try await reportingErrors {
                    guard let anchor = CollectionLevel.Anchor(rawValue: anchor) else {
                        throw ValidationError("--anchor must be 'due' or 'discount'")
                    }
                    let level = CollectionLevel(level: level, title: title, anchor: anchor, days: days)
                    try await HQDesk(try global.resolve()).saveCollectionLevel(level, policy: policy)
                    print("policy '\(policy)' level \(level.level): \(level.title)")
                }
            }
        }

        struct RemoveLevel: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove-level", abstract: "Remove a level of a policy.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The policy's code") var policy: String
            @Argument(help: "The level") var level: Int

            func run() async throws {
                try await reportingErrors {
                    try await HQDesk(try global.resolve()).removeCollectionLevel(level, policy: policy)
                    print("policy '\(policy)' has no level \(level) any more")
                }
            }
        }

        struct Letters: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the letters HQ issued, newest first.")
            @OptionGroup var global: GlobalOptions
            @Option(help: "Only this customer account's") var account: String?
            @Option(help: "How many letters") var limit = 50

            func validate() throws {
                if limit < 1 || limit > 100_000 { throw ValidationError("--limit must be within 1…100000") }
            }

            func run() async throws {
                try await reportingErrors {
                    let letters = try await HQDesk(try global.resolve()).collectionLetters(account: account, limit: limit)
                    if letters.isEmpty { print("no collection letters yet") }
                    for letter in letters {
                        print(
                            "\(letter.issuedOn)  \(letter.customerAccount)  level \(letter.level) \(letter.title)  "
                                + "\(letter.invoiceNumbers.count) invoice\(letter.invoiceNumbers.count == 1 ? "" : "s"): "
                                + letter.invoiceNumbers.prefix(10).joined(separator: ", ")
                                + (letter.invoiceNumbers.count > 10 ? ", …" : ""))
                    }
                }
            }
        }
    }
}
