// tcp-bulk HOST PORT SECONDS
// Bulk echo goodput on one connection: one thread writes a pattern for SECONDS, then half-closes; the
// other reads the echo back concurrently until the server's FIN, checking every byte. Goodput is the
// bytes that came back over the time from connect to that FIN. Prints
// "tcp-bulk: B bytes echoed in S s = G Mbit/s".
#define _GNU_SOURCE
#include "tcp-common.h"
#include <pthread.h>

#define CHUNK 65536
#define PERIOD 65521 // prime: the pattern never lines up with segment or buffer sizes

static int fd;
static double seconds;
static unsigned char pattern[2 * PERIOD];
static unsigned long long sent;

static void *writer(void *arg)
{
    (void)arg;
    double end = now() + seconds;
    while (now() < end) {
        size_t off = (size_t)(sent % PERIOD);
        ssize_t w = write(fd, pattern + off, CHUNK < PERIOD - off ? CHUNK : PERIOD - off);
        if (w <= 0) { perror("tcp-bulk: write"); exit(1); }
        sent += (unsigned long long)w;
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr;
    int bad = parse_target(argc, argv, "tcp-bulk", "", &addr, &seconds);
    if (bad) return bad;
    for (int i = 0; i < PERIOD; i++) pattern[i] = pattern[i + PERIOD] = (unsigned char)(i * 2654435761u >> 24);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    double start = now();
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr)) { perror("tcp-bulk: connect"); return 1; }
    pthread_t thread;
    pthread_create(&thread, NULL, writer, NULL);
    static unsigned char buf[CHUNK];
    unsigned long long got = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0) { perror("tcp-bulk: read"); return 1; }
        if (r == 0) break;
        for (ssize_t i = 0; i < r; ) {
            size_t off = (size_t)((got + (unsigned long long)i) % PERIOD);
            size_t run = (size_t)(r - i) < PERIOD - off ? (size_t)(r - i) : PERIOD - off;
            if (memcmp(buf + i, pattern + off, run)) { fprintf(stderr, "tcp-bulk: echoed bytes differ near offset %llu\n", got + (unsigned long long)i); return 1; }
            i += (ssize_t)run;
        }
        got += (unsigned long long)r;
    }
    double elapsed = now() - start;
    pthread_join(thread, NULL);
    close(fd);
    if (got != sent) { fprintf(stderr, "tcp-bulk: %llu bytes sent, %llu echoed\n", sent, got); return 1; }
    printf("tcp-bulk: %llu bytes echoed in %.3f s = %.1f Mbit/s\n", got, elapsed, got * 8 / elapsed / 1e6);
    return 0;
}
