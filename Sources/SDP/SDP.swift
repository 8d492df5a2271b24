/// SDP (RFC 8866) sessions and RFC 3264 offer/answer. No I/O.
