import Foundation

/// Janus's AudioBridge plugin driven through the Janus HTTP API (`/janus`): one session, a 48 kHz room per meeting,
/// one plugin handle per plain-RTP participant (`join` with an `rtp` object naming our socket), and the port Janus
/// listens on for each participant, read from its `joined` event.
///
/// Blocking calls: run it off the cooperative pool's hot paths (it is setup code).
final class JanusAudioBridge: @unchecked Sendable {
    private let http: LoopbackHTTP
    private let options: LoadGeneratorOptions
    private var session: Int64 = 0
    private var control: Int64 = 0
    private var rooms: [Int] = []
    private var pendingEvents: [[String: Any]] = []
    private var transaction = 0

    init(options: LoadGeneratorOptions) {
        self.options = options
        http = LoopbackHTTP(port: options.targetPort)
    }

    private func next() -> String {
        transaction += 1
        return "lg\(transaction)"
    }

    /// Creates the session, a control handle and one room per meeting (48 kHz, no recording, no level events).
    func createRooms() throws {
        session = try id(http.json("POST", "/janus", body: ["janus": "create", "transaction": next()]), "create session")
        control = try attach()
        for c in 0..<options.conferences {
            let room = options.janusRoomBase + c
            let body: [String: Any] = [
                "request": "create", "room": room, "description": "loadgen \(room)", "sampling_rate": 48_000,
                "audiolevel_event": false, "record": false, "permanent": false,
                "allow_rtp_participants": true,
            ]
            let reply = try http.json(
                "POST", "/janus/\(session)/\(control)", body: ["janus": "message", "transaction": next(), "body": body])
            let data = Self.pluginData(reply)
            guard data?["audiobridge"] as? String == "created" else {
                throw LoadGeneratorError("Janus refused room \(room): \(Self.describe(reply))")
            }
            rooms.append(room)
        }
    }

    /// Joins `participant` to its room as a plain-RTP participant and points its RTP at the port Janus names.
    func join(_ participant: LoadParticipant, index: Int) throws {
        let handle = try attach()
        var rtp: [String: Any] = ["ip": "127.0.0.1", "port": participant.localPort, "payload_type": 111, "fec": true]
        if options.audioLevels { rtp["audiolevel_ext"] = 1 }
        let body: [String: Any] = [
            "request": "join", "room": options.janusRoomBase + participant.conference, "display": "loadgen-\(index)",
            "codec": "opus", "rtp": rtp,
            // Janus's encoder for this participant's mix, set like Consort's default (Config/consort.yaml media.opus):
            // left alone it would run at complexity 4 and libopus's automatic bit rate (about 51 kbit/s).
            "bitrate": options.janusBitrate, "quality": options.janusComplexity, "expected_loss": 5,
        ]
        let reply = try http.json("POST", "/janus/\(session)/\(handle)", body: ["janus": "message", "transaction": next(), "body": body])
        guard reply["janus"] as? String == "ack" || Self.pluginData(reply) != nil else {
            throw LoadGeneratorError("Janus refused the join: \(Self.describe(reply))")
        }
        let joined = try Self.pluginData(reply).flatMap { $0["rtp"] != nil ? $0 : nil } ?? waitForEvent(from: handle)
        if joined["audiobridge"] as? String != "joined" {
            throw LoadGeneratorError("Janus answered the join with \(joined["audiobridge"] ?? "?"): \(joined["error"] ?? "")")
        }
        guard let answer = joined["rtp"] as? [String: Any], let host = answer["ip"] as? String, let port = answer["port"] as? Int else {
            throw LoadGeneratorError("Janus's joined event has no rtp ip/port: \(joined)")
        }
        try participant.setDestination(host: host, port: port, payloadType: (answer["payload_type"] as? Int) ?? 111)
    }

    /// Destroys the rooms and the session (every participant leaves). Errors are ignored: this is cleanup.
    func tearDown() {
        guard session != 0 else { return }
        for room in rooms {
            _ = try? http.json(
                "POST", "/janus/\(session)/\(control)",
                body: ["janus": "message", "transaction": next(), "body": ["request": "destroy", "room": room]], timeout: 5)
        }
        _ = try? http.json("POST", "/janus/\(session)", body: ["janus": "destroy", "transaction": next()], timeout: 5)
        session = 0
    }

    private func attach() throws -> Int64 {
        try id(
            http.json("POST", "/janus/\(session)", body: ["janus": "attach", "plugin": "janus.plugin.audiobridge", "transaction": next()]),
            "attach janus.plugin.audiobridge")
    }

    /// The plugin event whose sender is `handle` and that carries an `rtp` object or an error (long-polling the session).
    private func waitForEvent(from handle: Int64) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(options.setupTimeout)
        while Date() < deadline {
            if let i = pendingEvents.firstIndex(where: { ($0["sender"] as? Int64) == handle || ($0["sender"] as? Int).map(Int64.init) == handle }) {
                let event = pendingEvents.remove(at: i)
                if let data = Self.pluginData(event), data["rtp"] != nil || data["error"] != nil { return data }
                continue
            }
            let reply = try http.value("GET", "/janus/\(session)?maxev=20&rid=\(next())", timeout: 35)
            if let array = reply as? [[String: Any]] {
                pendingEvents += array
            } else if let event = reply as? [String: Any], event["janus"] as? String != "keepalive" {
                pendingEvents.append(event)
            }
        }
        throw LoadGeneratorError("no joined event from Janus within \(options.setupTimeout) s")
    }

    private func id(_ reply: [String: Any], _ what: String) throws -> Int64 {
        guard reply["janus"] as? String == "success", let data = reply["data"] as? [String: Any],
            let id = (data["id"] as? Int64) ?? (data["id"] as? Int).map(Int64.init)
        else { throw LoadGeneratorError("Janus: \(what) failed: \(Self.describe(reply))") }
        return id
    }

    static func pluginData(_ reply: [String: Any]) -> [String: Any]? {
        (reply["plugindata"] as? [String: Any])?["data"] as? [String: Any]
    }

    static func describe(_ reply: [String: Any]) -> String {
        (try? String(decoding: JSONSerialization.data(withJSONObject: reply), as: UTF8.self)) ?? "\(reply)"
    }
}
