import AudioMixer
public import MCUControl
import NIOCore

extension EmbeddedMCU {
    /// Reads the prompt (once per file: it is cached) and plays it to the endpoint from the next tick. For a dial-out
    /// endpoint still waiting for its answer, the prompt starts with its media.
    public func playAnnouncement(_ request: AnnouncementRequest) async throws(MCUControlError) {
        guard let conference = conferences.withLock({ $0[request.conference] }) else {
            throw MCUControlError(.notFound, "no conference \(request.conference)")
        }
        let endpoint = request.endpoint
        let known = try? await conference.eventLoop.submit {
            conference.endpoints.contains { $0.id == endpoint } || conference.dialOuts[endpoint] != nil
        }.get()
        guard known == true else { throw MCUControlError(.notFound, "no endpoint \(endpoint) in \(request.conference)") }
        // Read and converted here, in the control call; the media loop only gets the finished samples.
        let audio = try prompts.audio(at: request.prompt)
        let loops = request.loop
        let outcome: AnnouncementOutcome? = try? await conference.eventLoop.submit { () -> AnnouncementOutcome in
            if let target = conference.endpoints.first(where: { $0.id == endpoint }) {
                do {
                    try target.participant.play(Announcement(audio: audio, loops: loops))
                } catch {
                    return .failed("\(error)")
                }
                return .playing
            }
            guard conference.dialOuts[endpoint] != nil else { return .gone }
            conference.dialOuts[endpoint]?.settings.announcement = (audio, loops)
            return .playing
        }.get()
        switch outcome {
        case .playing:
            logger.debug("announcement", metadata: ["conference": "\(request.conference)", "endpoint": "\(endpoint)", "prompt": "\(request.prompt)"])
        case .failed(let reason):
            throw MCUControlError(.failed, "cannot play prompt \(request.prompt): \(reason)")
        case .gone, nil:
            throw MCUControlError(.notFound, "no endpoint \(endpoint) in \(request.conference)")
        }
    }

    /// Stops what plays to the endpoint, from the next tick (no `announcementFinished` follows).
    public func stopAnnouncement(_ conferenceID: ConferenceID, _ endpoint: EndpointID) async {
        guard let conference = conferences.withLock({ $0[conferenceID] }) else { return }
        _ = try? await conference.eventLoop.submit {
            conference.endpoints.first { $0.id == endpoint }?.participant.stopAnnouncement()
            conference.dialOuts[endpoint]?.settings.announcement = nil
        }.get()
    }

    /// Where DTMF digits, media timeouts and finished announcements go: called on the conference's loop, in order per
    /// conference; the handler must only queue the event (``MCUController/setEventHandler(_:)``).
    public func setEventHandler(_ handler: @escaping @Sendable (MCUEvent) -> Void) async {
        events.setHandler(handler)
    }
}

/// How an announcement request ended on the loop.
private enum AnnouncementOutcome: Sendable {
    case playing
    case gone
    case failed(String)
}
