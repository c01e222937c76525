import ArgumentParser
import RemitApp
import RemitClient

struct PortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Serve the buyer portal alone until SIGTERM/SIGINT: it reads the channel store and publishes the buyers' commands.",
        discussion: "The channel store must exist (workers create it). `remit run` serves the portal beside the workers."
    )
    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to listen on (the portal-host setting). Default 127.0.0.1")
    var host: String?
    @Option(help: "Port to listen on, 0 for any free one (the portal-port setting). Default 8080")
    var port: String?

    func run() async throws {
        try await reportingErrors {
            var overrides: [RemitConfiguration.Key: String] = [:]
            overrides[.portalHost] = host
            overrides[.portalPort] = port
            let configuration = try global.resolve(overrides: overrides)
            try await RemitServices.buildPortalOnly(configuration).run()
        }
    }
}
