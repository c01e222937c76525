import ArgumentParser
import Foundation
import Logging
import RemitAMQP
import RemitClient
import RemitCore
import RemitMessages
import RemitOperations
import RemitStore

struct DeadLetterSessionOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Work on the store only; do not collect from the dead-letter queues first") var noCollect = false

    /// The dead letters of the configured data directory, after collecting unless told not to.
    func open() async throws -> DeadLetterOffice {
        let office = try DeadLetterOffice(try global.resolve())
        if !noCollect {
            for (queue, count) in try await office.collect().sorted(by: { $0.key < $1.key }) {
                FileHandle.standardError.write(Data("collected \(count) dead letter(s) from \(queue)\n".utf8))
            }
        }
        return office
    }
}
