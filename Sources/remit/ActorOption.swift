import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitStore

/// Who acts: `--actor`, else the operating-system user.
struct ActorOption: ParsableArguments {
    @Option(help: "Who acts, for the audit (default: the operating-system user)") var actor: String?

    var resolved: String {
        if let actor, !actor.isEmpty { return actor }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"
    }
}
