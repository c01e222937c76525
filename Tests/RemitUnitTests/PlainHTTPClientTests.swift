import Foundation
import Testing
@testable import RemitRuntime

@Suite("HTTP responses from the management API")
struct PlainHTTPClientTests {
    @Test func parsesContentLengthResponses() throws {
        let raw = Data("HTTP/1.1 200 OK\r\ncontent-length: 7\r\ncontent-type: application/json\r\n\r\n{\"a\":1}".utf8)
        let response = try PlainHTTPClient.parse(raw)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"a":1}"#)
    }

    @Test func decodesChunkedBodies() throws {
        let raw = Data("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1,2\r\n3;ext=1\r\n,3]\r\n0\r\n\r\n".utf8)
        #expect(String(decoding: try PlainHTTPClient.parse(raw).body, as: UTF8.self) == "[1,2,3]")
    }

    @Test func refusesWhatIsNotHTTP() {
        #expect(throws: PlainHTTPClient.Failure.self) { try PlainHTTPClient.parse(Data("garbage".utf8)) }
        #expect(throws: PlainHTTPClient.Failure.self) {
            try PlainHTTPClient.parse(Data("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8))
        }
    }

    @Test func aRefusedConnectionIsAClearError() async throws {
        let client = PlainHTTPClient(host: "127.0.0.1", port: 1, timeoutSeconds: 2)
        await #expect { _ = try await client.send(method: "GET", path: "/", headers: [], body: nil) } throws: { error in
            "\(error)".contains("cannot connect to 127.0.0.1:1")
        }
    }
}
