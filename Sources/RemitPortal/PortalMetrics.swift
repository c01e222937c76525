import Hummingbird
import Metrics

/// The portal's requests for Prometheus: `remit_portal_requests_total` by status class (`2xx` …
/// `5xx`, what an alert on 5xx reads) and `remit_portal_request_duration_seconds`. Outermost, so it
/// sees the answer every other middleware made, and an error that escapes them as the 500 (or the
/// status the error carries) the client gets. Labels stay few: no path, no user.
struct PortalMetrics<Context: RequestContext>: RouterMiddleware {
    private let requests: [Counter]
    private let duration: Timer

    init() {
        requests = (1...5).map { Counter(label: "remit_portal_requests_total", dimensions: [("status", "\($0)xx")]) }
        duration = Timer(label: "remit_portal_request_duration_seconds", preferredDisplayUnit: .seconds)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(response.status.code, since: start)
            return response
        } catch let error as any HTTPResponseError {
            record(error.status.code, since: start)
            throw error
        } catch {
            record(500, since: start)
            throw error
        }
    }

    private func record(_ status: Int, since start: ContinuousClock.Instant) {
        requests[min(max(status / 100, 1), 5) - 1].increment()
        duration.record(duration: ContinuousClock.now - start)
    }
}
