import Foundation

/// The text of a store's JSON columns (policies, quotas, overrides, lists of names, load reports), through the model's
/// Codable conformances, for every `FocusStore` (SQLite text, PostgreSQL `jsonb`). Keys are sorted so that equal values
/// are stored as equal text.
public enum StoredJSON {
    public static func encode(_ value: some Encodable) throws(FocusStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw FocusStoreError("cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }

    /// Decodes a stored column; `column` names it in the error (`meetings.policy of contoso/weekly`).
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, column: String) throws(FocusStoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw FocusStoreError("\(column) is not a valid \(type) (\(error)): \(text)")
        }
    }
}
