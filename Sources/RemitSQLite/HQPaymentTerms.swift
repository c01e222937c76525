import Foundation
import GRDB
import RemitStore
import RemitCore
import RemitMessages

/// Payment terms HQ assigns to customers (`payment_terms`).
public struct HQPaymentTerms: StoredRecord, Sendable, Equatable {
    public static let databaseTableName = "payment_terms"

    public var code: String
    public var netDays: Int
    public var discountBasisPoints: Int?
    public var discountDays: Int?

    public enum Columns {
        public static let code = Column(CodingKeys.code)
    }

    public init(_ terms: PaymentTerms) {
        code = terms.code
        netDays = terms.netDays
        discountBasisPoints = terms.cashDiscount?.basisPoints
        discountDays = terms.cashDiscount?.withinDays
    }

    public init(row: Row) throws {
        code = row["code"]
        netDays = row["net_days"]
        discountBasisPoints = row["discount_basis_points"]
        discountDays = row["discount_days"]
    }

    public var terms: PaymentTerms {
        PaymentTerms(
            code: code, netDays: netDays,
            cashDiscount: discountBasisPoints.map {
                CashDiscount(basisPoints: $0, withinDays: discountDays ?? 0)
            })
    }
}
