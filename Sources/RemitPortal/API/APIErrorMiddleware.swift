import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns a request the generated code could not read — a body that is not JSON, a field of the
/// wrong type or missing, an unknown enum value — into a 400 naming the field. The message never
/// repeats the value sent (it may be a password). A store that cannot be used just now is
/// `StoreOutage`'s 503; a handler's own failure stays a 500 for the server's log, answered without
/// its details.
struct APIErrorMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // A call without a body (no Content-Type, nothing sent) is one: the transport hands every
        // request a body, and an operation whose body is optional would otherwise refuse it.
        let sent = request.headerFields[.contentLength].flatMap(Int.init) ?? 0
        let body = request.headerFields[.contentType] == nil && sent == 0 ? nil : body
        var request = request
        if operationID == "getInvoicePDF" {
            // The PDF, or a JSON problem for what is not there: whatever the client's Accept
            // says (a browser's, curl's, a JSON client's), both are what it gets.
            request.headerFields[.accept] = "application/pdf, application/json"
        }
        do {
            var (response, answer) = try await next(request, body, metadata)
            if operationID == "getInvoicePDF", let encoded = response.headerFields[.contentDisposition] {
                // The generated code percent-encodes header values; the file name goes out as written
                // (`InvoicePDF.filename` keeps it to letters, digits, `.`, `-` and `_`).
                response.headerFields[.contentDisposition] = encoded.removingPercentEncoding ?? encoded
            }
            return (response, answer)
        } catch let error as ServerError where error.operationInput == nil {
            let field = Self.field(of: error.underlyingError)
            let problem = BuyerAPI.problem(
                400, "invalid-request", "The request could not be read.",
                fields: [FieldError(field: field.path, field.message)])
            return (
                HTTPResponse(status: .badRequest, headerFields: [.contentType: "application/json; charset=utf-8"]),
                HTTPBody(APIProblem.encode(problem))
            )
        } catch let error as ServerError where StoreOutage.isOutage(error.underlyingError) {
            StoreOutage.log(error.underlyingError, path: request.path ?? "", logger: logger)
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
            headers[.retryAfter] = StoreOutage.retryAfter
            return (HTTPResponse(status: .serviceUnavailable, headerFields: headers), HTTPBody(APIProblem.encode(StoreOutage.problem)))
        } catch let error as ServerError {
            logger.error(
                "API operation failed", metadata: ["operation": "\(operationID)", "error": "\(error.underlyingError)"])
            let problem = BuyerAPI.problem(500, "internal", "Something went wrong on the shop's side; nothing was sent.")
            return (
                HTTPResponse(status: .internalServerError, headerFields: [.contentType: "application/json; charset=utf-8"]),
                HTTPBody(APIProblem.encode(problem))
            )
        }
    }

    /// Which field a decoding failure is about, and what is wrong with it — in words of our own.
    static func field(of error: any Error) -> (path: String, message: String) {
        func path(_ codingPath: [any CodingKey]) -> String {
            let names = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "body" : names.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error as? DecodingError {
        case .typeMismatch(let type, let context)?:
            return (path(context.codingPath), "Must be \(describe(type)).")
        case .valueNotFound(let type, let context)?:
            return (path(context.codingPath), "Must be \(describe(type)), not null.")
        case .keyNotFound(let key, let context)?:
            return (path(context.codingPath + [key]), "Is required.")
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty
                ? ("body", "The body must be a JSON object as the API document describes.")
                : (path(context.codingPath), "Is not one of the values the API document allows.")
        default:
            return ("body", "The body or a parameter is not what the API document describes (JSON, with its Content-Type).")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "a whole number"
        case is Bool.Type: return "true or false"
        case is Double.Type, is Float.Type: return "a number"
        default: return "an object as the API document describes"
        }
    }
}
