import Foundation
import RemitCore
import RemitMessages
import RemitStore

enum Names {
    static let first = [
        "Anna", "Bram", "Chloé", "Daan", "Eva", "Finn", "Greta", "Hugo", "Ilse", "Jonas", "Kim", "Lotte",
        "Milan", "Noor", "Otto", "Pien", "Quinten", "Roos", "Sem", "Tess",
    ]
    static let last = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos", "Vos"]
    static let companies = [
        "Noorderlicht Supplies", "Delta Hardware", "Polder Office", "Kade Logistics", "Molen Foods",
        "Tulip Technics", "Dijk Building", "Grachten Print",
    ]
    static let products = [
        "Pallet racking", "Safety gloves", "Copy paper", "Drill bits", "Cable ties", "Coffee beans",
        "LED panels", "Packing tape",
    ]

    static func person(_ random: inout SeededRandom) -> String {
        "\(first[Int.random(in: 0..<first.count, using: &random)]) \(last[Int.random(in: 0..<last.count, using: &random)])"
    }
}
