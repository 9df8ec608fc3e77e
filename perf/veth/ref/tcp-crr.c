// tcp-crr HOST PORT SECONDS [SIZE]
// Connect/request/response (netperf TCP_CRR): for SECONDS, open a connection, write SIZE bytes (64), read
// the answer, half-close, wait for the server's FIN, close. The client closes first, so TIME_WAIT stays on
// the client: the caller widens ip_local_port_range and sets tcp_tw_reuse in the client's namespace.
// Prints "tcp-crr: N connections in S s = R per second".
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: %s HOST PORT SECONDS [SIZE]\n", argv[0]); return 2; }
    double seconds = atof(argv[3]);
    size_t size = argc > 4 ? (size_t)atoi(argv[4]) : 64;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { fprintf(stderr, "tcp-crr: bad address %s\n", argv[1]); return 2; }
    char request[65536], answer[65536];
    unsigned long long n = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) { perror("tcp-crr: connect"); fprintf(stderr, "after %llu connections\n", n); return 1; }
        memset(request, (int)(n & 0xff), size);
        if (write(fd, request, size) != (ssize_t)size) { perror("tcp-crr: write"); return 1; }
        size_t got = 0;
        while (got < size) {
            ssize_t r = read(fd, answer + got, size - got);
            if (r <= 0) { fprintf(stderr, "tcp-crr: connection %llu closed early\n", n); return 1; }
            got += (size_t)r;
        }
        if (memcmp(request, answer, size)) { fprintf(stderr, "tcp-crr: answer %llu differs from its request\n", n); return 1; }
        shutdown(fd, SHUT_WR);
        while (read(fd, answer, sizeof answer) > 0) { }
        close(fd);
        n++;
    }
    double elapsed = now() - start;
    printf("tcp-crr: %llu connections in %.3f s = %.1f per second\n", n, elapsed, n / elapsed);
    return 0;
}
