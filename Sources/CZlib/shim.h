#include <zlib.h>

// zlib's init macros pass sizeof(z_stream), which Swift cannot call; these wrap them.
static inline int auditree_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
