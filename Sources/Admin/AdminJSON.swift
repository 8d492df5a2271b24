import Foundation
public import Hummingbird

/// JSON in and out of the admin API: stable output (sorted keys, ISO 8601 times), and request bodies read with a
/// size limit and checked for fields the API does not know, so a typo is a 400 that names it, not a silent no-op.
public enum AdminJSON {
    /// The largest request body accepted.
    public static let maxBodyBytes = 64 * 1024

    /// A JSON response.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(value)) ?? Data(#"{"error":"the response could not be encoded"}"#.utf8)
        var body = ByteBuffer(bytes: bytes)
        body.writeString("\n")
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: "\(body.readableBytes)"],
            body: .init(byteBuffer: body))
    }

    /// An empty response (204 No Content).
    public static func noContent() -> Response { Response(status: .noContent) }

    /// Reads a request body as `T`. `known` lists the fields of the object (and of nested objects as
    /// `"parent.child"`); any other field is refused.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request, known: Set<String>) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw AdminError(.contentTooLarge, "the request body is larger than \(maxBodyBytes) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw AdminError.invalid("the request needs a JSON body") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AdminError.invalid("the body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw AdminError.invalid("the body must be a JSON object") }
        if let unknown = unknownFields(fields, known: known, prefix: "").first {
            throw AdminError.invalid("unknown field \(unknown) (known: \(known.sorted().joined(separator: ", ")))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw AdminError.invalid(describe(error))
        } catch {
            throw AdminError.invalid("the body does not fit: \(error)")
        }
    }

    static func unknownFields(_ fields: [String: Any], known: Set<String>, prefix: String) -> [String] {
        fields.keys.sorted().flatMap { key -> [String] in
            let path = prefix + key
            guard known.contains(path) else { return [path] }
            if let nested = fields[key] as? [String: Any] { return unknownFields(nested, known: known, prefix: path + ".") }
            return []
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "the body" : p
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(typeName(type))"
        case .valueNotFound(_, let context):
            return "\(path(context)) must not be null"
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : "\(path(context))."
            return "missing field \(parent)\(key.stringValue)"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "a list" : "\(type)".hasPrefix("Dictionary") ? "an object" : "\(type)"
        }
    }
}
