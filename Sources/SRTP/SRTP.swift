/// SRTP (RFC 3711) through libsrtp2: the one owner of srtp_t contexts.
