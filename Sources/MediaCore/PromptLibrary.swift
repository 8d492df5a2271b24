#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import AudioMixer
import MCUControl
import Synchronization

/// Prompts read from WAV files and converted to 48 kHz once, shared by every endpoint that hears them (a lobby prompt
/// looping to fifty callers is one copy). A file is read again when its size or modification time changes, so an
/// operator can replace prompts while the server runs. Control path only: reading and converting happen in the
/// control call, never on a media loop.
final class PromptLibrary: Sendable {
    /// Files larger than this are refused (about 5 minutes of 48 kHz stereo).
    static let maximumBytes = 64 << 20
    /// Prompts kept; past this the cache starts over.
    static let capacity = 64

    private struct Entry {
        var size: Int
        var modified: timespec
        var audio: AnnouncementAudio
    }

    private let cache = Mutex<[String: Entry]>([:])

    /// The prompt at `path`, from the cache or the file. Throws `.failed` with the path and the reason.
    func audio(at path: String) throws(MCUControlError) -> AnnouncementAudio {
        func fail(_ reason: String) -> MCUControlError { MCUControlError(.failed, "cannot play prompt \(path): \(reason)") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw fail(String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw fail("not a regular file") }
        let size = Int(info.st_size)
        guard size <= Self.maximumBytes else { throw fail("\(size) bytes; prompts may have at most \(Self.maximumBytes)") }
        if let entry = cache.withLock({ $0[path] }), entry.size == size, entry.modified.tv_sec == info.st_mtim.tv_sec,
            entry.modified.tv_nsec == info.st_mtim.tv_nsec
        {
            return entry.audio
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let n = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress.map { $0 + filled }, size - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw fail(String(cString: strerror(errno))) }
            if n == 0 { break }
            filled += n
        }
        if filled < size { bytes.removeLast(size - filled) }
        let decoded: (samples: [Int16], sampleRate: Int)
        switch PromptWAV.decode(bytes) {
        case .success(let result): decoded = result
        case .failure(let problem): throw fail(problem.reason)
        }
        let audio: AnnouncementAudio
        do {
            audio = try AnnouncementAudio(name: path, samples: decoded.samples, sampleRate: decoded.sampleRate)
        } catch {
            throw fail(error.reason)
        }
        cache.withLock { table in
            if table.count >= Self.capacity { table.removeAll() }
            table[path] = Entry(size: size, modified: info.st_mtim, audio: audio)
        }
        return audio
    }
}
