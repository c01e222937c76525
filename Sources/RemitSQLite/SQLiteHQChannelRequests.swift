import Foundation
import GRDB
import RemitStore

/// The B2B requests HQ received (`HQChannelRequestQueries`) on `channel_request`.
struct SQLiteHQChannelRequests: HQChannelRequestQueries {
    let db: Database

    func insertUnlessUploaded(_ request: HQChannelRequest) throws -> Bool { try request.insertUnlessUploaded(db) }
    func received() throws -> [HQChannelRequest] { try HQChannelRequest.received(db) }
    func changedRequests(after position: DistributionPosition, limit: Int) throws -> [HQChannelRequest] {
        try HQChannelRequest.changed(after: position, limit: limit, db)
    }
    func requests(ids: [String]) throws -> [HQChannelRequest] { try HQChannelRequest.fetchAll(db, keys: ids) }
    func finish(requestId: String, status: HQChannelRequest.Status, detail: String?, at date: Date) throws {
        try HQChannelRequest.finish(db, requestId: requestId, status: status, detail: detail, at: date)
    }
}
