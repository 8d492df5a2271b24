/// SIP messages, URIs and header fields (RFC 3261): values parsed from and serialised to bytes. No I/O.
