#define _GNU_SOURCE
#include "CConsortSockets.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

enum { consort_max_events = 1024, consort_max_batch = 64 };

int consort_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int consort_epoll_watch(int epfd, int fd) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 || errno == EEXIST) return 0;
    return -1;
}

int consort_epoll_ready(int epfd, int32_t *ready, int capacity) {
    struct epoll_event events[consort_max_events];
    if (capacity > consort_max_events) capacity = consort_max_events;
    if (capacity <= 0) return 0;
    int n;
    do { n = epoll_wait(epfd, events, capacity, 0); } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) ready[i] = events[i].data.fd;
    return n;
}

int consort_receive_batch(int fd, void *storage, size_t slot_bytes, unsigned int count, uint32_t *lengths, uint32_t *ips,
                          uint16_t *ports) {
    struct mmsghdr headers[consort_max_batch];
    struct iovec vectors[consort_max_batch];
    struct sockaddr_in sources[consort_max_batch];
    if (count > consort_max_batch) count = consort_max_batch;
    if (count == 0) return 0;
    for (unsigned int i = 0; i < count; i++) {
        vectors[i].iov_base = (char *)storage + i * slot_bytes;
        vectors[i].iov_len = slot_bytes;
        memset(&headers[i], 0, sizeof headers[i]);
        headers[i].msg_hdr.msg_name = &sources[i];
        headers[i].msg_hdr.msg_namelen = sizeof sources[i];
        headers[i].msg_hdr.msg_iov = &vectors[i];
        headers[i].msg_hdr.msg_iovlen = 1;
    }
    int n;
    do { n = recvmmsg(fd, headers, count, MSG_DONTWAIT, NULL); } while (n < 0 && errno == EINTR);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    for (int i = 0; i < n; i++) {
        size_t length = headers[i].msg_len;
        lengths[i] = (uint32_t)(length < slot_bytes ? length : slot_bytes);
        if (headers[i].msg_hdr.msg_namelen >= sizeof(struct sockaddr_in) && sources[i].sin_family == AF_INET) {
            ips[i] = sources[i].sin_addr.s_addr;
            ports[i] = ntohs(sources[i].sin_port);
        } else {
            ips[i] = 0;
            ports[i] = 0;
        }
    }
    return n;
}
