/// `playAnnouncement`: a recorded prompt played to one endpoint only. To a `.conference` endpoint it is heard on top of
/// the conference mix (the others do not hear it); to an `.isolated` endpoint it is heard alone. A new request replaces
/// whatever was playing to that endpoint.
public struct AnnouncementRequest: Sendable, Codable, Equatable {
    /// The conference the endpoint is in.
    public var conference: ConferenceID
    /// The one endpoint that hears the prompt.
    public var endpoint: EndpointID
    /// A WAV file (PCM 16-bit mono, 8/16/48 kHz) to play to this endpoint only. Read and converted to 48 kHz when the
    /// request arrives; a path on the MCU's host.
    public var prompt: String
    /// Start again when it ends, until stopped or replaced (lobby music/prompt).
    public var loop: Bool = false

    /// Makes a request; by default the prompt plays once.
    public init(conference: ConferenceID, endpoint: EndpointID, prompt: String, loop: Bool = false) {
        self.conference = conference
        self.endpoint = endpoint
        self.prompt = prompt
        self.loop = loop
    }

    enum CodingKeys: String, CodingKey {
        case conference, endpoint, prompt, loop
    }

    /// Decodes a request; a missing `loop` means false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        conference = try c.decode(ConferenceID.self, forKey: .conference)
        endpoint = try c.decode(EndpointID.self, forKey: .endpoint)
        prompt = try c.decode(String.self, forKey: .prompt)
        loop = try c.decodeIfPresent(Bool.self, forKey: .loop) ?? false
    }
}
