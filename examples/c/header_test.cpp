// The public header compiled as C++ (-Wall -Wextra -Werror -pedantic):
// extern "C" linkage, the static inline initialisers, callbacks as
// captureless lambdas.
#include "sk400vop.h"

#include <cstdio>
#include <cstring>

int main()
{
    sk400vop_config cfg;
    sk400vop_config_init(&cfg);
    sk400vop_events ev;
    sk400vop_events_init(&ev);
    ev.on_log = [](void *, int32_t, const char *, const char *, size_t) {};
    sk400vop_account_config acc;
    sk400vop_account_config_init(&acc);
    sk400vop_call_opts opts;
    sk400vop_call_opts_init(&opts);
    sk400vop_stack_id stack = 0;
    // A config without listen is refused with a code, never a crash.
    if (sk400vop_create(&cfg, &ev, nullptr, nullptr, nullptr, &stack) != SK400VOP_ERR_INVALID || stack != 0) {
        std::fprintf(stderr, "create without listen\n");
        return 1;
    }
    std::printf("%s\n", sk400vop_version());
    return std::strlen(sk400vop_strerror(SK400VOP_ERR_BAD_HANDLE)) > 0 ? 0 : 1;
}
