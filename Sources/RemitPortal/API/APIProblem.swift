import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// The API's answers outside its operations' own: JSON problems in the document's shape.
enum APIProblem {
    static func encode(_ problem: Components.Schemas.Problem) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(problem)) ?? Data(#"{"error": {"status": 500, "code": "internal", "message": ""}}"#.utf8)
    }

    static func response(_ status: HTTPResponse.Status, code: String, message: String, fields: [FieldError] = []) -> Response {
        response(BuyerAPI.problem(status.code, code, message, fields: fields))
    }

    /// `problem` answered with its status.
    static func response(_ problem: Components.Schemas.Problem, headers extra: HTTPFields = [:]) -> Response {
        let data = encode(problem)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        headers[.xContentTypeOptions] = "nosniff"
        headers.append(contentsOf: extra)
        return Response(
            status: .init(code: problem.error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
