/// The products HQ sells, as distribution and the seed need them.
public protocol HQProductQueries {
    /// Products changed after `position`, in change order, at most `limit`.
    func changedProducts(after position: DistributionPosition, limit: Int) throws -> [HQProduct]
    /// The products of `skus` HQ has (an unknown sku is left out).
    func products(skus: [String]) throws -> [HQProduct]
    func insert(_ product: HQProduct) throws
}
