import Focus
import Foundation

/// The text of the JSON columns (policies, quotas, overrides, lists of names), through the model's Codable
/// conformances. Keys are sorted so that equal values are stored as equal text.
enum JSONColumn {
    static func text(_ value: some Encodable) throws(FocusStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw FocusStoreError("cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }

    /// Decodes a stored column; `column` names it in the error (`meetings.policy of contoso/weekly`).
    static func value<T: Decodable>(_ type: T.Type, from text: String, column: String) throws(FocusStoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw FocusStoreError("\(column) is not a valid \(type) (\(error)): \(text)")
        }
    }
}
