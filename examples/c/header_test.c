/* The public header compiled as strict C99 (-Wall -Wextra -Werror
 * -pedantic): every static inline initialiser, and the version and status
 * strings, checked at run time. */
#include <stdio.h>
#include <string.h>

#include "sk400vop.h"

int main(void)
{
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_account_config acc;
    sk400vop_call_opts opts;
    sk400vop_config_init(&cfg);
    sk400vop_events_init(&ev);
    sk400vop_account_config_init(&acc);
    sk400vop_call_opts_init(&opts);
    if (cfg.struct_size != sizeof cfg || cfg.abi_version != SK400VOP_ABI_VERSION || ev.struct_size != sizeof ev ||
        acc.struct_size != sizeof acc || opts.struct_size != sizeof opts) {
        fprintf(stderr, "struct_size not set\n");
        return 1;
    }
    if (strncmp(sk400vop_version(), "sk400vop ", 9) != 0 || strcmp(sk400vop_strerror(SK400VOP_OK), "ok") != 0 ||
        strcmp(sk400vop_strerror(-12345), "unknown status") != 0) {
        fprintf(stderr, "version/strerror\n");
        return 1;
    }
    printf("%s\n", sk400vop_version());
    return 0;
}
