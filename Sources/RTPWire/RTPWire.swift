/// RTP and RTCP wire formats (RFC 3550, 4585, 5104, 6464, 8285): views over received bytes and
/// writers into a caller's buffer. No I/O, no Foundation, no allocation when parsing.
///
/// Conventions shared by every type in this module:
/// - Parsers take an `UnsafeRawBufferPointer`, check every bound explicitly and return `nil` on
///   malformed input; they never trap. Variable-length parts are described by byte ranges and
///   counts; accessors take the same buffer again.
/// - Writers have `encodedSize` and `write(into:) -> Int?`, which returns the number of bytes
///   written, or `nil` when the buffer is too small or the value cannot be encoded.
