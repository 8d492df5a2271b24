// C entry points for the socket calls Swift's Glibc module does not show: epoll (sys/epoll.h is not in the module)
// and recvmmsg (declared only under _GNU_SOURCE). Plain integers and buffers cross the boundary, never a kernel
// struct, so the Swift side holds no C layout. Every symbol is prefixed `consort_`.
#ifndef CCONSORT_SOCKETS_H
#define CCONSORT_SOCKETS_H

#include <stddef.h>
#include <stdint.h>

/// A new epoll instance (close-on-exec); -1 and errno on failure.
int consort_epoll_create(void);

/// Adds `fd` to `epfd`, level-triggered, for readability; 0 (also when it is there already), or -1 and errno.
int consort_epoll_watch(int epfd, int fd);

/// Which watched descriptors are readable now, without waiting: writes up to `capacity` (at most 1024) of them to
/// `ready` and returns how many, or -1 and errno.
int consort_epoll_ready(int epfd, int32_t *ready, int capacity);

/// Reads up to `count` (at most 64) queued datagrams from the non-blocking socket `fd` in one recvmmsg call: datagram
/// i lands at `storage + i * slot_bytes` (truncated to `slot_bytes`), its length in `lengths[i]`, its IPv4 source in
/// `ips[i]` (network order) and `ports[i]` (host order). Returns how many were read (0 when none was queued), or -1
/// and errno for any other failure.
int consort_receive_batch(int fd, void *storage, size_t slot_bytes, unsigned int count, uint32_t *lengths, uint32_t *ips,
                          uint16_t *ports);

#endif
