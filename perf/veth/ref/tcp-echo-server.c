// tcp-echo-server PORT [SECONDS]
// The kernel's side of perf/veth/tcp.sh: a single-threaded epoll TCP echo server (RFC 862) on PORT, the
// same service as `fastpath echo --tcp`. Each connection's bytes go back with back-pressure: when a write
// takes less than was read, the rest is kept and the connection is not read again until it is written
// (EPOLLOUT), so the client's window closes instead of a queue growing here. When the client half-closes
// and everything has been written back, the connection is closed. TCP_NODELAY on every connection (the
// request/response test would otherwise measure Nagle against delayed ACKs, not the stacks). Runs until
// SIGTERM or SECONDS, then prints "tcp-echo-server: C connections, B bytes echoed".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define CHUNK 65536

struct conn {
    int fd;
    size_t held, off;      // bytes read but not yet written back: buf[off .. held)
    int eof;               // the client half-closed
    char buf[CHUNK];
};

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static void close_conn(int ep, struct conn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

// Echoes until the socket would block on either side; returns -1 when the connection is done.
static int serve(int ep, struct conn *c, unsigned long long *echoed)
{
    for (;;) {
        while (c->off < c->held) {
            ssize_t w = write(c->fd, c->buf + c->off, c->held - c->off);
            if (w < 0) {
                if (errno == EAGAIN) {
                    struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
                    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                    return 0;
                }
                return -1;
            }
            c->off += (size_t)w;
            *echoed += (unsigned long long)w;
        }
        c->off = c->held = 0;
        if (c->eof) return -1;
        ssize_t r = read(c->fd, c->buf, CHUNK);
        if (r < 0) {
            if (errno == EAGAIN) {
                struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                return 0;
            }
            return -1;
        }
        if (r == 0) { c->eof = 1; return -1; }
        c->held = (size_t)r;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: %s PORT [SECONDS]\n", argv[0]); return 2; }
    int port = atoi(argv[1]);
    if (argc > 2) alarm((unsigned)atoi(argv[2]));
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGALRM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) || listen(lfd, 4096)) { perror("bind/listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
    fprintf(stderr, "tcp-echo-server: listening on port %d\n", port);

    unsigned long long connections = 0, echoed = 0;
    struct epoll_event events[256];
    while (!stop) {
        int n = epoll_wait(ep, events, 256, 200);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct conn *nc = malloc(sizeof *nc);
                    nc->fd = fd; nc->held = nc->off = 0; nc->eof = 0;
                    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = nc };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                    connections++;
                    // Data may already be waiting (the request can follow the handshake's ACK at once).
                    if (serve(ep, nc, &echoed) < 0) close_conn(ep, nc);
                }
                continue;
            }
            if (serve(ep, c, &echoed) < 0) close_conn(ep, c);
        }
    }
    printf("tcp-echo-server: %llu connections, %llu bytes echoed\n", connections, echoed);
    return 0;
}
