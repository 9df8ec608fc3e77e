// tcp-crr HOST PORT SECONDS [SIZE]
// Connect/request/response (netperf TCP_CRR): for SECONDS, open a connection, write SIZE bytes (64), read
// the answer, half-close, wait for the server's FIN, close. The client closes first, so TIME_WAIT stays on
// the client: the caller widens ip_local_port_range and sets tcp_tw_reuse in the client's namespace.
// Prints "tcp-crr: N connections in S s = R per second".
#define _GNU_SOURCE
#include "tcp-common.h"

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    double seconds;
    int bad = parse_target(argc, argv, "tcp-crr", " [SIZE]", &addr, &seconds);
    if (bad) return bad;
    size_t size = argc > 4 ? (size_t)atoi(argv[4]) : 64;
    char request[65536], answer[65536];
    unsigned long long n = 0;
    double start = now(), end = start + seconds;
    while (now() < end) {
        int fd = connect_nodelay(&addr);
        if (fd < 0) { perror("tcp-crr: connect"); fprintf(stderr, "after %llu connections\n", n); return 1; }
        enum exchange_result result = exchange("tcp-crr", fd, request, answer, size, n);
        if (result == EXCHANGE_CLOSED) { fprintf(stderr, "tcp-crr: connection %llu closed early\n", n); return 1; }
        if (result != EXCHANGE_OK) return 1;
        close_after_fin(fd, answer, sizeof answer);
        n++;
    }
    double elapsed = now() - start;
    printf("tcp-crr: %llu connections in %.3f s = %.1f per second\n", n, elapsed, n / elapsed);
    return 0;
}
