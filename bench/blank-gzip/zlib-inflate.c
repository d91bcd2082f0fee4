/* zlib's own speed on a multi-member gzip file: inflate into a 1 MiB buffer, discard it. */
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); static unsigned char in[1 << 16], out[1 << 20];
    z_stream s = {0}; inflateInit2(&s, 31); unsigned long long total = 0; int ended = 0;
    struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
    for (;;) {
        if (s.avail_in == 0) { size_t n = fread(in, 1, sizeof in, f); if (!n) break; s.next_in = in; s.avail_in = n; }
        if (ended) { inflateReset(&s); ended = 0; }
        s.next_out = out; s.avail_out = sizeof out;
        int r = inflate(&s, Z_NO_FLUSH);
        total += sizeof out - s.avail_out;
        if (r == Z_STREAM_END) ended = 1; else if (r != Z_OK && r != Z_BUF_ERROR) { fprintf(stderr, "error %d\n", r); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double t = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%llu bytes inflated in %.3f s: %.0f MB/s\n", total, t, total / t / 1e6);
}
