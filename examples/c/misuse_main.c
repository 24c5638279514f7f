/* misuse_main.c — runs the C misuse tests (capi/internal/ctest/misuse.c) as a standalone program, linked
 * to libsk400vop.so: the ctest (and ASan) form of capi/internal/ctest.
 *   misuse            run every test
 *   misuse NAME...    run the named ones */
#include <stdio.h>
#include <string.h>

#include "misuse.h"

int main(int argc, char **argv)
{
    const struct sk400vop_ctest *t;
    int failed = 0, ran = 0, i;
    for (t = sk400vop_ctests; t->name; t++) {
        const char *msg;
        if (argc > 1) {
            int want = 0;
            for (i = 1; i < argc; i++) want |= !strcmp(argv[i], t->name);
            if (!want) continue;
        }
        ran++;
        msg = t->run();
        printf("%s %s%s%s\n", msg ? "FAIL" : "ok  ", t->name, msg ? ": " : "", msg ? msg : "");
        fflush(stdout);
        if (msg) failed++;
    }
    if (ran == 0) {
        fprintf(stderr, "no such test\n");
        return 2;
    }
    return failed ? 1 : 0;
}
