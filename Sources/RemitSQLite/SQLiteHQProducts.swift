import GRDB
import RemitStore

/// HQ's products (`HQProductQueries`) on the `product` table.
struct SQLiteHQProducts: HQProductQueries {
    let db: Database

    func changedProducts(after position: DistributionPosition, limit: Int) throws -> [HQProduct] {
        try HQProduct.changed(after: position, limit: limit, db)
    }
    func products(skus: [String]) throws -> [HQProduct] { try HQProduct.fetchAll(db, keys: skus) }
    func insert(_ product: HQProduct) throws { try product.insert(db) }
}
