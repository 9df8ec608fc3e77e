// What the TCP reference clients (tcp-rr, tcp-crr, tcp-bulk) share: the clock, the HOST PORT SECONDS
// arguments, and the checked request/response exchange of rr and crr. Each client defines _GNU_SOURCE first.
#ifndef TCP_COMMON_H
#define TCP_COMMON_H
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

// HOST PORT SECONDS from argv[1..3]; OPTIONAL_USAGE names what follows (" [SIZE]"). 0, or 2 (the exit code for
// bad input) after printing why.
static inline int parse_target(int argc, char **argv, const char *name, const char *optional_usage,
                               struct sockaddr_in *addr, double *seconds)
{
    if (argc < 4) { fprintf(stderr, "usage: %s HOST PORT SECONDS%s\n", argv[0], optional_usage); return 2; }
    *seconds = atof(argv[3]);
    *addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &addr->sin_addr) != 1) { fprintf(stderr, "%s: bad address %s\n", name, argv[1]); return 2; }
    return 0;
}

// A connected socket with TCP_NODELAY (one small request in flight must not wait for Nagle), or -1 with errno
// from connect(2) for the caller's perror.
static inline int connect_nodelay(const struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return connect(fd, (const struct sockaddr *)addr, sizeof *addr) ? -1 : fd;
}

enum exchange_result { EXCHANGE_OK, EXCHANGE_FAILED, EXCHANGE_CLOSED };

// Transaction N: SIZE bytes of N's low byte out, the SIZE-byte answer back, checked against the request.
// EXCHANGE_FAILED has been reported; EXCHANGE_CLOSED (the peer closed early) is left to the caller, which
// knows how far it got.
static inline enum exchange_result exchange(const char *name, int fd, char *request, char *answer, size_t size, unsigned long long n)
{
    memset(request, (int)(n & 0xff), size);
    if (write(fd, request, size) != (ssize_t)size) { fprintf(stderr, "%s: write: %s\n", name, strerror(errno)); return EXCHANGE_FAILED; }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, answer + got, size - got);
        if (r <= 0) return EXCHANGE_CLOSED;
        got += (size_t)r;
    }
    if (memcmp(request, answer, size)) { fprintf(stderr, "%s: answer %llu differs from its request\n", name, n); return EXCHANGE_FAILED; }
    return EXCHANGE_OK;
}

// Half-close, read until the peer's FIN (whatever it still sends is dropped), close.
static inline void close_after_fin(int fd, char *buffer, size_t length)
{
    shutdown(fd, SHUT_WR);
    while (read(fd, buffer, length) > 0) { }
    close(fd);
}
#endif
