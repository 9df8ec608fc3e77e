// tcp-rr HOST PORT SECONDS [SIZE]
// Request/response on one TCP connection (netperf TCP_RR): write SIZE bytes (64), read the SIZE-byte
// answer, repeat, for SECONDS. One transaction in flight, TCP_NODELAY, blocking calls. Every answer is
// checked against its request. Prints "tcp-rr: N transactions in S s = R per second".
#define _GNU_SOURCE
#include "tcp-common.h"

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    double seconds;
    int bad = parse_target(argc, argv, "tcp-rr", " [SIZE]", &addr, &seconds);
    if (bad) return bad;
    size_t size = argc > 4 ? (size_t)atoi(argv[4]) : 64;
    int fd = connect_nodelay(&addr);
    if (fd < 0) { perror("tcp-rr: connect"); return 1; }
    char request[65536], answer[65536];
    unsigned long long n = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        enum exchange_result result = exchange("tcp-rr", fd, request, answer, size, n);
        if (result == EXCHANGE_CLOSED) { fprintf(stderr, "tcp-rr: connection closed after %llu transactions\n", n); return 1; }
        if (result != EXCHANGE_OK) return 1;
        n++;
        if ((n & 63) == 0) t = now();
    }
    double elapsed = now() - start;
    close_after_fin(fd, answer, sizeof answer);
    printf("tcp-rr: %llu transactions in %.3f s = %.1f per second\n", n, elapsed, n / elapsed);
    return 0;
}
