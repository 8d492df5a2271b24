/// RTP and RTCP wire formats (RFC 3550, 3611, 4585, 5104, 8285): views over received bytes and writers into a caller's buffer. No I/O.
