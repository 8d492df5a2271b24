import Focus
import Foundation

/// The text of the `jsonb` columns (policies, quotas, lists of names, load reports), through the model's Codable
/// conformances; bound as text and cast (`\(text)::jsonb`), read back as text.
enum JSONText {
    static func encode(_ value: some Encodable) throws(FocusStoreError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw FocusStoreError("cannot encode \(type(of: value)) as JSON: \(error)")
        }
    }

    /// Decodes a stored column; `column` names it in the error (`meetings.policy of contoso/weekly`).
    static func decode<T: Decodable>(_ type: T.Type, from text: String, column: String) throws(FocusStoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw FocusStoreError("\(column) is not a valid \(type) (\(error)): \(text)")
        }
    }
}
