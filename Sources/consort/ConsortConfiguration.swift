import Admin
import AudioMixer
import Focus
import Foundation
import MediaCore
import OpusCodec
import SIP
import Yams

/// The whole of `Config/consort.yaml`: each target owns its section's type and defaults; this composes them.
struct ConsortConfiguration: Codable, Equatable {
    /// The SIP stack: where it listens and its timers.
    var sip = SIPConfiguration()
    /// Media settings: codec and mixer.
    var media = MediaConfiguration()
    /// Tenants, users, meetings and the focus's behaviour.
    var focus = FocusConfiguration()
    /// The HTTP admin API and `/metrics`.
    var admin = AdminConfiguration()
    /// MCU instances (`consort mcu`) and the control channel to them.
    var pool = PoolConfiguration()

    init() {}

    enum CodingKeys: String, CodingKey { case sip, media, focus, admin, pool }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sip = try c.decodeIfPresent(SIPConfiguration.self, forKey: .sip) ?? SIPConfiguration()
        media = try c.decodeIfPresent(MediaConfiguration.self, forKey: .media) ?? MediaConfiguration()
        focus = try c.decodeIfPresent(FocusConfiguration.self, forKey: .focus) ?? FocusConfiguration()
        admin = try c.decodeIfPresent(AdminConfiguration.self, forKey: .admin) ?? AdminConfiguration()
        pool = try c.decodeIfPresent(PoolConfiguration.self, forKey: .pool) ?? PoolConfiguration()
    }

    /// Reads and checks a configuration file; the error says which file and what is wrong.
    static func load(path: String) throws -> ConsortConfiguration {
        let text: String
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(
                "configuration file \(path) does not exist (the default, Config/consort.yaml, is relative to the repository root; pass --config PATH)")
        }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read configuration file \(path): \(error.localizedDescription)")
        }
        // TLS certificate and key paths, like prompts, are relative to the configuration file's folder.
        return try parse(text, source: path, folder: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Parses YAML text; `source` names it in errors; relative `sip.tls` file paths are taken from `folder`.
    static func parse(_ text: String, source: String, folder: String? = nil) throws -> ConsortConfiguration {
        var configuration: ConsortConfiguration
        do {
            configuration = try YAMLDecoder().decode(ConsortConfiguration.self, from: text)
        } catch let error as DecodingError {
            throw ConfigurationError("\(source): \(describe(error))")
        } catch {
            throw ConfigurationError("\(source): \(error)")
        }
        if let unknown = try unknownKeys(in: text, known: configuration).first {
            throw ConfigurationError("\(source): unknown key \(unknown) (a typo? every key is listed in Config/consort.yaml)")
        }
        if let folder, configuration.sip.tls.enabled { configuration.sip.tls = configuration.sip.tls.resolvingPaths(relativeTo: folder) }
        if let folder { configuration.pool.tls = configuration.pool.tls.resolvingPaths(relativeTo: folder) }
        if let problem = configuration.validationProblem() {
            throw ConfigurationError("\(source): \(problem)")
        }
        return configuration
    }

    /// Keys in the YAML that the configuration types do not know: what is there but does not survive a decode and
    /// re-encode. Catches typos that would otherwise be silently ignored.
    static func unknownKeys(in text: String, known configuration: ConsortConfiguration) throws -> [String] {
        try keys(of: text, missingFrom: try YAMLEncoder().encode(configuration))
    }

    /// Dotted paths of the mapping keys in YAML `text` that YAML `reference` does not have.
    static func keys(of text: String, missingFrom reference: String) throws -> [String] {
        guard let given = try Yams.compose(yaml: text) else { return [] }
        let known = try Yams.compose(yaml: reference)
        var missing: [String] = []
        func walk(_ given: Node, _ known: Node?, _ path: String) {
            if let items = given.sequence {
                let reference = known?.sequence.map(Array.init) ?? []
                for (i, item) in items.enumerated() where i < reference.count {
                    walk(item, reference[i], "\(path)[\(i)]")
                }
                return
            }
            guard let mapping = given.mapping else { return }
            for (key, value) in mapping {
                let name = key.string ?? "?"
                let here = path.isEmpty ? name : "\(path).\(name)"
                if let next = known?.mapping?[key] {
                    walk(value, next, here)
                } else {
                    missing.append(here)
                }
            }
        }
        walk(given, known, "")
        return missing
    }

    func validationProblem() -> String? {
        if let p = sip.validationProblem() { return p }
        if let p = media.opus.validationProblem() { return "media.opus: \(p)" }
        if let p = media.mcu.validationProblem() { return p }
        if let p = focus.validationProblem() { return p }
        if let p = admin.validationProblem(tenants: focus.effectiveTenants) { return p }
        if let p = pool.validationProblem() { return p }
        return media.mixer.validationProblem()
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            var text = ""
            for key in context.codingPath {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text
        }
        func expected(_ type: Any.Type) -> String {
            switch type {
            case is Bool.Type: "true or false"
            case is Int.Type, is UInt32.Type, is UInt16.Type: "a whole number"
            case is Double.Type, is Float.Type: "a number"
            case is String.Type: "a string"
            default: String(describing: type).hasPrefix("Array") ? "a list" : "a mapping"
            }
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path(context)): expected \(expected(type))"
        case .dataCorrupted(let context):
            // A YAML syntax error comes with its line and column.
            if let underlying = context.underlyingError { return "\(underlying)" }
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing key \(key.stringValue)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// The `media` section.
struct MediaConfiguration: Codable, Equatable {
    /// How Consort encodes Opus for participants.
    var opus = OpusEncoderSettings()
    /// The mixer and jitter buffer.
    var mixer = MixerConfiguration()
    /// The embedded MCU: RTP ports, addresses, event loops (keys directly in `media`).
    var mcu = MCUConfiguration()

    init() {}

    enum CodingKeys: String, CodingKey { case opus, mixer }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        opus = try c.decodeIfPresent(OpusEncoderSettings.self, forKey: .opus) ?? OpusEncoderSettings()
        mixer = try c.decodeIfPresent(MixerConfiguration.self, forKey: .mixer) ?? MixerConfiguration()
        mcu = try MCUConfiguration(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(opus, forKey: .opus)
        try c.encode(mixer, forKey: .mixer)
        try mcu.encode(to: encoder)
    }
}

/// A configuration problem, said so the operator can fix the file.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
