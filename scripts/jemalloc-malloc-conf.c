/* The jemalloc options of the release binary (scripts/build-release.sh links this object
 * beside jemalloc's). jemalloc reads the global `malloc_conf` at start-up, after its built-in
 * defaults and before the MALLOC_CONF environment variable, so an operator can still override
 * each option. Debian's libjemalloc_pic.a declares it weak and unprefixed; this definition
 * takes its place.
 *
 * Pages freed go back to the system at once instead of after jemalloc's default 10 s decay:
 * a scan frees memory steadily as processes exit (a fork chain, a long log), and with the
 * decay the peak resident size followed the run's length rather than the live processes
 * (docs/performance.md, "The allocator's decay"). */
const char *malloc_conf = "dirty_decay_ms:0,muzzy_decay_ms:0";
