import Foundation
import RemitAMQP
import RemitCurl
@testable import RemitOperations
import Testing
@testable import RemitRuntime

@Suite("The management API's HTTP client")
struct CurlHTTPClientTests {
    @Test func aRefusedConnectionIsAClearError() async throws {
        let client = CurlHTTPClient(timeoutSeconds: 2)
        await #expect { _ = try await client.send(method: "GET", url: URL(string: "http://127.0.0.1:1/")!) } throws: { error in
            let failure = error as? CurlError
            return "\(error)".contains("127.0.0.1") && "\(error)".contains("onnect") && failure?.code == .connect
        }
    }

}
